-- name: stuck_households
-- params: year, quarter
-- The 100 monitored households of the quarter's rosters whose risk is not eliminated, longest days_monitored first.
SELECT
  county_code,
  village_code,
  household_id,
  category,
  household_size,
  risk_causes,
  assistance,
  identified_on,
  days_monitored
FROM monitored_households
WHERE year = ? AND quarter = ?
  AND NOT risk_eliminated
ORDER BY days_monitored DESC, county_code, household_id
LIMIT 100
