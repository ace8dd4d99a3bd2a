-- name: median-days-to-eliminate
-- params: year, quarter
-- Per county, the median days_monitored of roster households whose eliminated_on falls in the quarter (mean of the two middle values for an even count); counties without any are absent.
-- Portable on purpose: Trino has no exact median (approx_percentile), so the middle rows are found
-- with ROW_NUMBER and COUNT: for n rows, 2 * row_in_county lies in [n, n + 2] exactly for the middle one or two.
WITH eliminated AS (
  SELECT
    county_code,
    days_monitored,
    ROW_NUMBER() OVER (PARTITION BY county_code ORDER BY days_monitored) AS row_in_county,
    COUNT(*) OVER (PARTITION BY county_code) AS households
  FROM monitored_households
  WHERE year = ? AND quarter = ?
    AND year(eliminated_on) = year
    AND quarter(eliminated_on) = quarter
)
SELECT
  county_code,
  AVG(CAST(days_monitored AS DOUBLE)) AS median_days_to_eliminate,
  CAST(MAX(households) AS BIGINT) AS households_eliminated
FROM eliminated
WHERE 2 * row_in_county BETWEEN households AND households + 2
GROUP BY county_code
ORDER BY county_code
