import type { StorageType } from './datasets.ts'

/**
 * The columns of `analytics/region_indicators/year=/quarter=/data.parquet` (appraisal.md,
 * "Roll-ups"): one row per township, city and province, computed from the sums of their
 * villages (region-indicators.sql). The Glue table (projection on year and quarter, these
 * comments) and the writer are to take their column list from here. `year` and `quarter` are
 * partition columns: in the object key, not in the file.
 */
export interface RegionColumn {
  key: string
  storage: StorageType
  zh: string
  en: string
}

export const REGION_INDICATOR_COLUMNS: readonly RegionColumn[] = [
  { key: 'level', storage: 'string', zh: '层级', en: 'township, city or province' },
  { key: 'code', storage: 'string', zh: '区划代码', en: 'region code: 9 digits (township), 4 (city) or 2 (province)' },
  { key: 'name', storage: 'string', zh: '名称', en: 'region name (registry; empty without one)' },
  { key: 'villages_reported', storage: 'bigint', zh: '报送村数', en: 'villages in accepted reports' },
  { key: 'counties_reported', storage: 'bigint', zh: '报送县数', en: 'counties with an accepted report' },
  { key: 'monitored_households', storage: 'bigint', zh: '监测户数', en: 'monitored households, three kinds' },
  { key: 'monitored_persons', storage: 'bigint', zh: '监测人数', en: 'monitored persons, three kinds' },
  { key: 'risk_eliminated_persons', storage: 'bigint', zh: '已消除风险人数', en: 'risk-eliminated persons' },
  { key: 'alleviated_persons', storage: 'bigint', zh: '脱贫人口数', en: 'alleviated persons' },
  { key: 'alleviated_income_total', storage: 'double', zh: '脱贫人口纯收入合计（元）', en: 'Σ income per capita × alleviated persons (yuan, YTD)' },
  { key: 'population', storage: 'bigint', zh: '总人口', en: 'population' },
  { key: 'persons_below_monitoring_line', storage: 'bigint', zh: '低于监测线人数', en: 'persons below the monitoring line' },
  { key: 'alleviated_labor', storage: 'bigint', zh: '脱贫劳动力人数', en: 'alleviated labour' },
  { key: 'alleviated_labor_employed', storage: 'bigint', zh: '务工就业人数', en: 'employed alleviated labour' },
  { key: 'medical_insured_persons', storage: 'bigint', zh: '参保人数', en: 'medically insured persons' },
  { key: 'covered_persons', storage: 'bigint', zh: '应参保人数', en: 'covered population (alleviated + marginal + hardship persons)' },
  { key: 'linkage_funds_allocated', storage: 'double', zh: '衔接资金下达（万元）', en: 'linkage funds allocated (10k yuan, YTD)' },
  { key: 'linkage_funds_spent', storage: 'double', zh: '衔接资金支出（万元）', en: 'linkage funds spent (10k yuan, YTD)' },
  { key: 'projects_planned', storage: 'bigint', zh: '项目数', en: 'projects planned' },
  { key: 'projects_completed', storage: 'bigint', zh: '已竣工项目数', en: 'projects completed' },
  { key: 'collective_income_villages', storage: 'bigint', zh: '集体经营性收入达标村数', en: 'villages at the collective income threshold' },
  { key: 'risk_elimination_rate', storage: 'double', zh: '风险消除率', en: 'risk-eliminated persons / monitored persons' },
  { key: 'income_per_capita', storage: 'double', zh: '脱贫人口人均纯收入（元）', en: 'income per capita of the alleviated (yuan, YTD)' },
  { key: 'below_line_share', storage: 'double', zh: '低于监测线人口占比', en: 'persons below the monitoring line / population' },
  { key: 'labor_employment_rate', storage: 'double', zh: '脱贫劳动力务工就业率', en: 'employed / alleviated labour' },
  { key: 'medical_insurance_rate', storage: 'double', zh: '参保率', en: 'insured / covered population' },
  { key: 'fund_spending_rate', storage: 'double', zh: '衔接资金支出进度', en: 'linkage funds spent / allocated' },
  { key: 'project_completion_rate', storage: 'double', zh: '项目竣工率', en: 'projects completed / planned' },
  { key: 'collective_income_share', storage: 'double', zh: '集体经营性收入达标村占比', en: 'share of villages at the collective income threshold' },
  { key: 'dropouts', storage: 'bigint', zh: '义务教育辍学人数（红线）', en: 'dropouts (red line)' },
  { key: 'zero_employment_households', storage: 'bigint', zh: '搬迁零就业家庭户数（红线）', en: 'relocated zero-employment households (red line)' },
  { key: 'unsafe_houses', storage: 'bigint', zh: '存量危房户数（红线）', en: 'unsafe houses (red line)' },
  { key: 'unsafe_water_households', storage: 'bigint', zh: '饮水不安全户数（红线）', en: 'households without safe water (red line)' },
]
