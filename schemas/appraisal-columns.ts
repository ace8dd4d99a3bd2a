import type { StorageType } from './datasets.ts'
import { INDICATOR_KEYS } from './scoring.ts'
import type { IndicatorKey } from './scoring.ts'

/**
 * The columns of `analytics/county_appraisals/year=/quarter=/data.parquet`, one row per county
 * (interfaces.md). The writer (aggregate use case), the Glue table and the DuckDB view all
 * take their column list from here, so they cannot drift. `year` and `quarter` are partition
 * columns: in the object key, not in the file.
 */
export interface AppraisalColumn {
  key: string
  storage: StorageType | 'timestamp'
  zh: string
  en: string
}

const INDICATOR_COLUMNS: Record<IndicatorKey, Omit<AppraisalColumn, 'key'>> = {
  villages_reported: { storage: 'bigint', zh: '报送村数', en: 'villages in the accepted file' },
  villages_expected: { storage: 'bigint', zh: '应报村数', en: 'villages expected (registry, else earlier quarters)' },
  reporting_completeness: { storage: 'double', zh: '报送完整率', en: 'villages reported / expected, capped at 1' },
  monitored_households: { storage: 'bigint', zh: '监测户数', en: 'monitored households, three kinds' },
  monitored_persons: { storage: 'bigint', zh: '监测人数', en: 'monitored persons, three kinds' },
  risk_elimination_rate: { storage: 'double', zh: '风险消除率', en: 'risk-eliminated persons / monitored persons' },
  income_per_capita: { storage: 'double', zh: '脱贫人口人均纯收入（元）', en: 'income per capita of the alleviated (yuan, YTD)' },
  income_growth_yoy: { storage: 'double', zh: '人均纯收入同比增长', en: 'income per capita growth on the same quarter a year earlier' },
  below_line_share: { storage: 'double', zh: '低于监测线人口占比', en: 'persons below the monitoring line / population' },
  labor_employment_rate: { storage: 'double', zh: '脱贫劳动力务工就业率', en: 'employed / alleviated labour' },
  medical_insurance_rate: { storage: 'double', zh: '参保率', en: 'insured / covered population' },
  fund_spending_rate: { storage: 'double', zh: '衔接资金支出进度', en: 'linkage funds spent / allocated' },
  project_completion_rate: { storage: 'double', zh: '项目竣工率', en: 'projects completed / planned' },
  collective_income_share: { storage: 'double', zh: '集体经营性收入达标村占比', en: 'share of villages at the collective income threshold' },
  dropouts: { storage: 'bigint', zh: '义务教育辍学人数（红线）', en: 'dropouts (red line)' },
  zero_employment_households: { storage: 'bigint', zh: '搬迁零就业家庭户数（红线）', en: 'relocated zero-employment households (red line)' },
  unsafe_houses: { storage: 'bigint', zh: '存量危房户数（红线）', en: 'unsafe houses (red line)' },
  unsafe_water_households: { storage: 'bigint', zh: '饮水不安全户数（红线）', en: 'households without safe water (red line)' },
  median_days_to_eliminate: { storage: 'double', zh: '风险消除天数中位数', en: 'median days from identification to elimination (not scored)' },
}

export const APPRAISAL_COLUMNS: readonly AppraisalColumn[] = [
  { key: 'county', storage: 'string', zh: '县代码', en: 'county code' },
  { key: 'name', storage: 'string', zh: '县名称', en: 'county name (registry; empty without one)' },
  { key: 'city', storage: 'string', zh: '市代码', en: 'city code (first 4 digits)' },
  { key: 'province', storage: 'string', zh: '省代码', en: 'province code (first 2 digits)' },
  { key: 'score', storage: 'double', zh: '得分（未舍入）', en: 'score, unrounded' },
  { key: 'grade', storage: 'string', zh: '等次', en: 'grade: excellent, good, fair, poor' },
  { key: 'rank_in_city', storage: 'bigint', zh: '市内排名', en: 'rank in the city' },
  { key: 'rank_in_province', storage: 'bigint', zh: '省内排名', en: 'rank in the province' },
  { key: 'red_flag_count', storage: 'bigint', zh: '红线问题数', en: 'red-line indicators above 0' },
  { key: 'config_version', storage: 'string', zh: '评分配置版本', en: 'scoring configuration version' },
  { key: 'config_sha256', storage: 'string', zh: '评分配置哈希', en: 'SHA-256 of the scoring configuration' },
  { key: 'run_id', storage: 'string', zh: '计算批次', en: 'appraisal run id' },
  { key: 'computed_at', storage: 'timestamp', zh: '计算时间（UTC）', en: 'time computed (UTC)' },
  ...INDICATOR_KEYS.map((key) => ({ key, ...INDICATOR_COLUMNS[key] })),
  { key: 'no_data', storage: 'string', zh: '无数据指标', en: 'scored indicators that are null (appraisal.md, "Nulls are not free points"), comma-separated; empty when none' },
]
