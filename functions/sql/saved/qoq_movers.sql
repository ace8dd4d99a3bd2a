-- name: qoq_movers
-- params: year, quarter
-- Counties appraised in this quarter and the one before, by the size of their score change (largest first).
WITH current_quarter AS (
  SELECT county, name, city, province, score, year * 4 + quarter - 1 AS previous_index
  FROM county_appraisals
  WHERE year = ? AND quarter = ?
),
earlier AS (
  SELECT county, score, year * 4 + quarter AS period_index
  FROM county_appraisals
)
SELECT
  c.county,
  c.name,
  c.city,
  c.province,
  e.score AS previous_score,
  c.score,
  c.score - e.score AS score_change
FROM current_quarter c
JOIN earlier e ON e.county = c.county AND e.period_index = c.previous_index
ORDER BY abs(c.score - e.score) DESC, c.county
