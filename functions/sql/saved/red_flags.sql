-- name: red_flags
-- params: year, quarter
-- Villages of the quarter with any red-line value above 0 (dropouts, zero-employment households, unsafe houses, unsafe water), by county and village.
SELECT
  county_code,
  township_name,
  village_code,
  village_name,
  dropouts,
  relocated_zero_employment_households AS zero_employment_households,
  unsafe_houses,
  unsafe_water_households
FROM village_reports
WHERE year = ? AND quarter = ?
  AND (dropouts > 0 OR relocated_zero_employment_households > 0 OR unsafe_houses > 0 OR unsafe_water_households > 0)
ORDER BY county_code, village_code
