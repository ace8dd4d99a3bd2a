-- name: look-back-villages
-- params: year, quarter, counties
-- The villages of the given counties reported in the quarter, with their red-line values, by county and village code: the look-back (回头看, rectification.md) closes a red_flag item when each village it named is here with that indicator at 0. `counties` is one text of county codes between commas (',520626,520627,'): only the counties with red flags to judge are read, not the quarter's every village.
SELECT county_code, village_code,
       CAST(dropouts AS BIGINT) AS dropouts,
       CAST(relocated_zero_employment_households AS BIGINT) AS zero_employment_households,
       CAST(unsafe_houses AS BIGINT) AS unsafe_houses,
       CAST(unsafe_water_households AS BIGINT) AS unsafe_water_households
FROM village_reports
WHERE year = ? AND quarter = ? AND strpos(?, ',' || county_code || ',') > 0
ORDER BY county_code, village_code
