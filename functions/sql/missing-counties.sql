-- name: missing-counties
-- params: year, quarter
-- Active registry counties without an accepted village report for the quarter (appraisal.md: missing_counties).
WITH reported AS (
  SELECT DISTINCT county_code
  FROM village_reports
  WHERE year = ? AND quarter = ?
)
SELECT u.code AS county_code, u.name, substr(u.code, 1, 4) AS city_code, substr(u.code, 1, 2) AS province_code
FROM org_units u
LEFT JOIN reported r ON r.county_code = u.code
WHERE u.level = 'county' AND COALESCE(u.active, true) AND r.county_code IS NULL
ORDER BY u.code
