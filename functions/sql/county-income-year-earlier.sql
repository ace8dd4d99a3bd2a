-- name: county-income-year-earlier
-- params: year, quarter
-- Per county, income_per_capita of the same quarter a year earlier (year and quarter are the appraised quarter's), from that quarter's accepted village reports.
SELECT
  county_code,
  CAST(SUM(alleviated_income_per_capita * alleviated_persons) AS DOUBLE) / NULLIF(SUM(alleviated_persons), 0) AS income_per_capita
FROM village_reports
WHERE year = ? - 1 AND quarter = ?
GROUP BY county_code
ORDER BY county_code
