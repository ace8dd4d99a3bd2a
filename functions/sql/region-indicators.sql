-- name: region-indicators
-- params: year, quarter, collective_income_threshold
-- Per township, city and province of the quarter: the sums of numerators and denominators of every accepted village row (not-appraisable counties included), and the ratios from those sums, never averages of county ratios (appraisal.md, "Roll-ups").
WITH reports AS (
  SELECT *
  FROM village_reports
  WHERE year = ? AND quarter = ?
),
placed AS (
  SELECT 'township' AS level, township_code AS code, reports.* FROM reports
  UNION ALL
  SELECT 'city' AS level, city_code AS code, reports.* FROM reports
  UNION ALL
  SELECT 'province' AS level, province_code AS code, reports.* FROM reports
),
sums AS (
  SELECT
    level,
    code,
    CAST(COUNT(*) AS BIGINT) AS villages_reported,
    CAST(COUNT(DISTINCT county_code) AS BIGINT) AS counties_reported,
    CAST(SUM(monitored_unstable_households + monitored_marginal_households + monitored_hardship_households) AS BIGINT) AS monitored_households,
    CAST(SUM(monitored_unstable_persons + monitored_marginal_persons + monitored_hardship_persons) AS BIGINT) AS monitored_persons,
    CAST(SUM(risk_eliminated_persons) AS BIGINT) AS risk_eliminated_persons,
    CAST(SUM(alleviated_persons) AS BIGINT) AS alleviated_persons,
    CAST(SUM(alleviated_income_per_capita * alleviated_persons) AS DOUBLE) AS alleviated_income_total,
    CAST(SUM(population) AS BIGINT) AS population,
    CAST(SUM(persons_below_monitoring_line) AS BIGINT) AS persons_below_monitoring_line,
    CAST(SUM(alleviated_labor) AS BIGINT) AS alleviated_labor,
    CAST(SUM(alleviated_labor_employed) AS BIGINT) AS alleviated_labor_employed,
    CAST(SUM(medical_insured_persons) AS BIGINT) AS medical_insured_persons,
    -- Unstable households are already counted among the alleviated (village_report.md).
    CAST(SUM(alleviated_persons + monitored_marginal_persons + monitored_hardship_persons) AS BIGINT) AS covered_persons,
    CAST(SUM(linkage_funds_allocated) AS DOUBLE) AS linkage_funds_allocated,
    CAST(SUM(linkage_funds_spent) AS DOUBLE) AS linkage_funds_spent,
    CAST(SUM(projects_planned) AS BIGINT) AS projects_planned,
    CAST(SUM(projects_completed) AS BIGINT) AS projects_completed,
    CAST(SUM(CASE WHEN collective_operating_income >= ? THEN 1 ELSE 0 END) AS BIGINT) AS collective_income_villages,
    CAST(SUM(dropouts) AS BIGINT) AS dropouts,
    CAST(SUM(relocated_zero_employment_households) AS BIGINT) AS zero_employment_households,
    CAST(SUM(unsafe_houses) AS BIGINT) AS unsafe_houses,
    CAST(SUM(unsafe_water_households) AS BIGINT) AS unsafe_water_households
  FROM placed
  GROUP BY level, code
)
SELECT
  sums.level,
  sums.code,
  u.name,
  villages_reported,
  counties_reported,
  monitored_households,
  monitored_persons,
  risk_eliminated_persons,
  alleviated_persons,
  alleviated_income_total,
  population,
  persons_below_monitoring_line,
  alleviated_labor,
  alleviated_labor_employed,
  medical_insured_persons,
  covered_persons,
  linkage_funds_allocated,
  linkage_funds_spent,
  projects_planned,
  projects_completed,
  collective_income_villages,
  CAST(risk_eliminated_persons AS DOUBLE) / NULLIF(monitored_persons, 0) AS risk_elimination_rate,
  alleviated_income_total / NULLIF(alleviated_persons, 0) AS income_per_capita,
  CAST(persons_below_monitoring_line AS DOUBLE) / NULLIF(population, 0) AS below_line_share,
  CAST(alleviated_labor_employed AS DOUBLE) / NULLIF(alleviated_labor, 0) AS labor_employment_rate,
  CAST(medical_insured_persons AS DOUBLE) / NULLIF(covered_persons, 0) AS medical_insurance_rate,
  linkage_funds_spent / NULLIF(linkage_funds_allocated, 0) AS fund_spending_rate,
  CAST(projects_completed AS DOUBLE) / NULLIF(projects_planned, 0) AS project_completion_rate,
  CAST(collective_income_villages AS DOUBLE) / NULLIF(villages_reported, 0) AS collective_income_share,
  dropouts,
  zero_employment_households,
  unsafe_houses,
  unsafe_water_households
FROM sums
-- The registry's name (empty without a registry); a region may be listed once per level.
LEFT JOIN (SELECT level, code, MAX(name) AS name FROM org_units GROUP BY level, code) u ON u.level = sums.level AND u.code = sums.code
ORDER BY CASE sums.level WHEN 'province' THEN 1 WHEN 'city' THEN 2 ELSE 3 END, sums.code
