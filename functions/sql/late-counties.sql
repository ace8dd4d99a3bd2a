-- name: late-counties
-- params: year, quarter, deadline
-- Counties whose accepted village report for the quarter was received at or after the deadline, by county code.
-- `deadline` is the UTC instant as text, 'YYYY-MM-DD HH:MM:SS' (00:00 Asia/Shanghai on the 11th day
-- after the quarter: period.ts submissionDeadline; validation.md late_submission). submitted_at is UTC.
-- Every row of a county's curated file comes from its one accepted submission, so MAX is that time.
SELECT county_code, MAX(submitted_at) AS submitted_at
FROM village_reports
WHERE year = ? AND quarter = ?
GROUP BY county_code
HAVING MAX(submitted_at) >= CAST(? AS TIMESTAMP)
ORDER BY county_code
