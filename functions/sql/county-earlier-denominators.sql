-- name: county-earlier-denominators
-- params: year, quarter
-- Per county and earlier quarter with accepted village reports: the denominators of the scored ratios, so that a null ratio is scored against the county's comparable earlier quarter (appraisal.md, "Nulls are not free points").
SELECT
  county_code,
  year,
  quarter,
  CAST(SUM(monitored_unstable_persons + monitored_marginal_persons + monitored_hardship_persons) AS BIGINT) AS monitored_persons,
  CAST(SUM(alleviated_labor) AS BIGINT) AS alleviated_labor,
  -- Unstable households are already counted among the alleviated (village_report.md).
  CAST(SUM(alleviated_persons + monitored_marginal_persons + monitored_hardship_persons) AS BIGINT) AS covered_persons,
  CAST(SUM(linkage_funds_allocated) AS DOUBLE) AS linkage_funds_allocated,
  CAST(SUM(projects_planned) AS BIGINT) AS projects_planned,
  CAST(COUNT(*) AS BIGINT) AS villages_reported
FROM village_reports
WHERE year * 4 + quarter < ? * 4 + ?
GROUP BY county_code, year, quarter
ORDER BY county_code, year, quarter
