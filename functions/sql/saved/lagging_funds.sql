-- name: lagging_funds
-- params: year, quarter
-- Appraised counties whose linkage-fund spending rate is below the quarter's schedule (defaults of scoring 2024.1: Q1 .25, Q2 .50, Q3 .75, Q4 .95), largest shortfall first.
WITH appraised AS (
  SELECT
    county,
    name,
    city,
    province,
    fund_spending_rate,
    CASE quarter
      WHEN 1 THEN CAST(0.25 AS DOUBLE)
      WHEN 2 THEN CAST(0.50 AS DOUBLE)
      WHEN 3 THEN CAST(0.75 AS DOUBLE)
      WHEN 4 THEN CAST(0.95 AS DOUBLE)
    END AS schedule
  FROM county_appraisals
  WHERE year = ? AND quarter = ?
)
SELECT county, name, city, province, fund_spending_rate, schedule, schedule - fund_spending_rate AS shortfall
FROM appraised
WHERE fund_spending_rate < schedule
ORDER BY shortfall DESC, county
