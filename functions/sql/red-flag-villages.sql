-- name: red-flag-villages
-- params: year, quarter
-- Per county and red-line indicator, the villages whose value is above 0 (one row each), by county, indicator and village code.
WITH reports AS (
  SELECT county_code, village_code, dropouts, relocated_zero_employment_households, unsafe_houses, unsafe_water_households
  FROM village_reports
  WHERE year = ? AND quarter = ?
),
flags AS (
  SELECT county_code, 'dropouts' AS indicator, village_code, dropouts AS value
  FROM reports WHERE dropouts > 0
  UNION ALL
  SELECT county_code, 'zero_employment_households' AS indicator, village_code, relocated_zero_employment_households AS value
  FROM reports WHERE relocated_zero_employment_households > 0
  UNION ALL
  SELECT county_code, 'unsafe_houses' AS indicator, village_code, unsafe_houses AS value
  FROM reports WHERE unsafe_houses > 0
  UNION ALL
  SELECT county_code, 'unsafe_water_households' AS indicator, village_code, unsafe_water_households AS value
  FROM reports WHERE unsafe_water_households > 0
)
SELECT county_code, indicator, village_code, CAST(value AS BIGINT) AS value
FROM flags
ORDER BY county_code, indicator, village_code
