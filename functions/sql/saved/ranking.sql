-- name: ranking
-- params: year, quarter
-- The quarter's appraisal ranking: counties by province and rank in province, with city rank, score, grade and red flags.
SELECT
  province,
  rank_in_province,
  city,
  rank_in_city,
  county,
  name,
  score,
  grade,
  red_flag_count,
  config_version
FROM county_appraisals
WHERE year = ? AND quarter = ?
ORDER BY province, rank_in_province, county
