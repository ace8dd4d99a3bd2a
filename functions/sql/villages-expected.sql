-- name: villages-expected
-- params: year, quarter
-- Per reporting county: active registry villages when the registry covers its province, else distinct villages reported in any earlier quarter, else this quarter's count.
WITH reported AS (
  SELECT county_code, province_code, year, quarter, CAST(COUNT(*) AS BIGINT) AS villages_reported
  FROM village_reports
  WHERE year = ? AND quarter = ?
  GROUP BY county_code, province_code, year, quarter
),
registry_provinces AS (
  SELECT DISTINCT province_code
  FROM org_units
),
registry_villages AS (
  SELECT substr(code, 1, 6) AS county_code, CAST(COUNT(*) AS BIGINT) AS villages
  FROM org_units
  WHERE level = 'village' AND COALESCE(active, true)
  GROUP BY substr(code, 1, 6)
),
earlier AS (
  SELECT r.county_code, CAST(COUNT(DISTINCT e.village_code) AS BIGINT) AS villages
  FROM reported r
  JOIN village_reports e
    ON e.county_code = r.county_code
   AND e.year * 4 + e.quarter < r.year * 4 + r.quarter
  GROUP BY r.county_code
)
SELECT
  r.county_code,
  r.villages_reported,
  CASE
    WHEN p.province_code IS NOT NULL THEN COALESCE(g.villages, CAST(0 AS BIGINT))
    WHEN e.villages IS NOT NULL THEN e.villages
    ELSE r.villages_reported
  END AS villages_expected,
  CASE
    WHEN p.province_code IS NOT NULL THEN 'registry'
    WHEN e.villages IS NOT NULL THEN 'earlier_quarters'
    ELSE 'this_quarter'
  END AS basis
FROM reported r
LEFT JOIN registry_provinces p ON p.province_code = r.province_code
LEFT JOIN registry_villages g ON g.county_code = r.county_code
LEFT JOIN earlier e ON e.county_code = r.county_code
ORDER BY r.county_code
