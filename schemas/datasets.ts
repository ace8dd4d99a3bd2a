import type { DatasetName } from './findings.ts'

/**
 * The datasets of the contract as data: every column, its Chinese header, its aliases, its
 * type, bounds and unit. The header matcher, the value parsers, the zod schemas, the Parquet
 * and Glue schemas and the XLSX templates are all derived from these tables.
 * (contract/village_report.md, monitored_households.md, org_units.md)
 */

export type ColumnType =
  | { kind: 'period' }
  | { kind: 'code'; lengths: readonly number[] }
  | { kind: 'text'; min?: number; max: number; pattern?: RegExp; patternText?: string }
  | { kind: 'bool' }
  | { kind: 'int'; min: number; max?: number }
  | { kind: 'num'; min: number; max?: number; /** A rate may be written with % (25% = 0.25). */ percent?: boolean }
  | { kind: 'date' }
  | { kind: 'enum'; values: Readonly<Record<string, string>> }
  | { kind: 'enumList'; values: Readonly<Record<string, string>> }
  | { kind: 'idNumber' }

export type StorageType = 'string' | 'bigint' | 'double' | 'boolean' | 'date'

export interface ColumnSpec {
  key: string
  zh: string
  aliases: readonly string[]
  type: ColumnType
  /** true: empty is `required`; false: optional; 'rule': presence is checked by a rule only (MH01). */
  required: boolean | 'rule'
  /** The value an empty optional cell takes (relocation_site defaults to 否). */
  defaultValue?: boolean
  unit?: { zh: string; en: string }
  /** How the column is stored in the curated Parquet and declared in Glue. */
  storage: StorageType
  /** Stored under another name (head_id_number is stored as head_id_hash). */
  storedAs?: string
}

export interface DatasetSpec {
  name: DatasetName
  zh: string
  columns: readonly ColumnSpec[]
  /** The key columns of the dataset, besides `period` (contract: the dataset's key). */
  keyColumn: string
}

const int = (min = 0, max?: number): ColumnType => (max === undefined ? { kind: 'int', min } : { kind: 'int', min, max })
const num = (min = 0, max?: number): ColumnType => (max === undefined ? { kind: 'num', min } : { kind: 'num', min, max })
const code12: ColumnType = { kind: 'code', lengths: [12] }
const YUAN_YTD = { zh: '元，本年累计', en: 'yuan, year to date' }
const WAN_YTD = { zh: '万元，本年累计', en: '10k yuan, year to date' }
const HH = { zh: '户', en: 'households' }
const PERSONS = { zh: '人', en: 'persons' }
const COUNT = { zh: '个', en: 'count' }

function intCol(key: string, zh: string, aliases: string[], unit = HH, min = 0): ColumnSpec {
  return { key, zh, aliases, type: int(min), required: true, unit, storage: 'bigint' }
}

export const VILLAGE_REPORT: DatasetSpec = {
  name: 'village_report',
  zh: '村季度报表',
  keyColumn: 'village_code',
  columns: [
    { key: 'period', zh: '报告期', aliases: ['季度'], type: { kind: 'period' }, required: true, storage: 'string' },
    { key: 'village_code', zh: '村代码', aliases: ['统计用区划代码', '村(社区)代码'], type: code12, required: true, storage: 'string' },
    { key: 'village_name', zh: '村名称', aliases: ['村名', '村(社区)名称'], type: { kind: 'text', min: 1, max: 50 }, required: true, storage: 'string' },
    { key: 'township_name', zh: '乡镇名称', aliases: ['乡镇', '乡(镇、街道)'], type: { kind: 'text', min: 1, max: 50 }, required: true, storage: 'string' },
    { key: 'key_assisted', zh: '是否重点帮扶村', aliases: ['重点帮扶村'], type: { kind: 'bool' }, required: true, storage: 'boolean' },
    { key: 'relocation_site', zh: '是否易地搬迁安置点', aliases: ['安置点'], type: { kind: 'bool' }, required: false, defaultValue: false, storage: 'boolean' },
    intCol('households', '总户数', ['户数'], HH, 1),
    intCol('population', '总人口', ['人口数', '总人数'], PERSONS, 1),
    intCol('alleviated_households', '脱贫户数', ['脱贫户']),
    intCol('alleviated_persons', '脱贫人口数', ['脱贫人口'], PERSONS),
    intCol('relocated_households', '易地搬迁户数', ['易迁户数']),
    intCol('relocated_persons', '易地搬迁人数', ['易迁人数'], PERSONS),
    intCol('monitored_unstable_households', '脱贫不稳定户数', []),
    intCol('monitored_unstable_persons', '脱贫不稳定户人数', [], PERSONS),
    intCol('monitored_marginal_households', '边缘易致贫户数', []),
    intCol('monitored_marginal_persons', '边缘易致贫户人数', [], PERSONS),
    intCol('monitored_hardship_households', '突发严重困难户数', []),
    intCol('monitored_hardship_persons', '突发严重困难户人数', [], PERSONS),
    intCol('monitored_new_households', '本季度新识别监测户数', ['新增监测户数']),
    intCol('risk_eliminated_households', '已消除风险户数', ['风险消除户数']),
    intCol('risk_eliminated_persons', '已消除风险人数', ['风险消除人数'], PERSONS),
    { key: 'alleviated_income_per_capita', zh: '脱贫人口人均纯收入', aliases: ['人均纯收入(元)'], type: num(0, 200000), required: true, unit: YUAN_YTD, storage: 'double' },
    intCol('persons_below_monitoring_line', '低于监测线人数', ['收入低于监测线人数'], PERSONS),
    intCol('alleviated_labor', '脱贫劳动力人数', ['脱贫劳动力'], PERSONS),
    intCol('alleviated_labor_employed', '脱贫劳动力务工就业人数', ['务工就业人数'], PERSONS),
    intCol('public_welfare_posts', '公益性岗位安置人数', ['公益性岗位'], PERSONS),
    intCol('relocated_zero_employment_households', '搬迁零就业家庭户数', ['零就业家庭']),
    intCol('dropouts', '义务教育辍学人数', ['辍学人数'], PERSONS),
    intCol('medical_insured_persons', '参保人数', ['脱贫人口和监测对象参保人数'], PERSONS),
    intCol('unsafe_houses', '存量危房户数', ['危房户数']),
    intCol('unsafe_water_households', '饮水不安全户数', []),
    { key: 'collective_operating_income', zh: '村集体经济经营性收入', aliases: ['集体经营性收入(元)'], type: num(), required: true, unit: YUAN_YTD, storage: 'double' },
    { key: 'linkage_funds_allocated', zh: '衔接资金下达', aliases: ['衔接资金下达(万元)'], type: num(), required: true, unit: WAN_YTD, storage: 'double' },
    { key: 'linkage_funds_spent', zh: '衔接资金支出', aliases: ['衔接资金已支出(万元)'], type: num(), required: true, unit: WAN_YTD, storage: 'double' },
    intCol('projects_planned', '衔接资金项目数', ['项目数'], COUNT),
    intCol('projects_completed', '已竣工项目数', ['竣工项目数'], COUNT),
  ],
}

export const RISK_CAUSES: Readonly<Record<string, string>> = {
  因病: 'illness', 因残: 'disability', 因学: 'education', 因灾: 'disaster', 因意外事故: 'accident',
  因务工就业不稳: 'unstable_employment', 因产业项目失败: 'failed_business', 因住房安全: 'housing',
  因饮水安全: 'water', 其他: 'other',
}

export const ASSISTANCE_MEASURES: Readonly<Record<string, string>> = {
  产业帮扶: 'industry', 就业帮扶: 'employment', 金融帮扶: 'finance', 公益岗位: 'public_post',
  教育帮扶: 'education', 健康帮扶: 'health', 住房保障: 'housing', 饮水保障: 'water',
  综合保障: 'social_security', 其他: 'other',
}

export const MONITORING_CATEGORIES: Readonly<Record<string, string>> = {
  脱贫不稳定户: 'unstable', 边缘易致贫户: 'marginal', 突发严重困难户: 'hardship',
}

export const MONITORED_HOUSEHOLDS: DatasetSpec = {
  name: 'monitored_households',
  zh: '监测户名册',
  keyColumn: 'household_id',
  columns: [
    { key: 'period', zh: '报告期', aliases: ['季度'], type: { kind: 'period' }, required: true, storage: 'string' },
    { key: 'village_code', zh: '村代码', aliases: ['统计用区划代码'], type: code12, required: true, storage: 'string' },
    { key: 'household_id', zh: '户编号', aliases: ['户编码'], type: { kind: 'text', min: 1, max: 32, pattern: /^[0-9A-Za-z-]+$/, patternText: '0-9 A-Z a-z -' }, required: true, storage: 'string' },
    { key: 'head_id_number', zh: '户主身份证号', aliases: ['身份证号'], type: { kind: 'idNumber' }, required: false, storage: 'string', storedAs: 'head_id_hash' },
    { key: 'category', zh: '监测类型', aliases: ['监测对象类别'], type: { kind: 'enum', values: MONITORING_CATEGORIES }, required: true, storage: 'string' },
    { key: 'household_size', zh: '家庭人口数', aliases: ['人口数'], type: int(1, 20), required: true, unit: PERSONS, storage: 'bigint' },
    { key: 'risk_causes', zh: '风险类型', aliases: ['致贫返贫风险'], type: { kind: 'enumList', values: RISK_CAUSES }, required: true, storage: 'string' },
    { key: 'income_per_capita', zh: '人均纯收入', aliases: ['家庭人均纯收入(元)'], type: num(0, 200000), required: true, unit: { zh: '元，近 12 个月', en: 'yuan, last 12 months' }, storage: 'double' },
    { key: 'identified_on', zh: '识别纳入日期', aliases: ['纳入监测日期'], type: { kind: 'date' }, required: true, storage: 'date' },
    { key: 'risk_eliminated', zh: '是否消除风险', aliases: ['风险已消除'], type: { kind: 'bool' }, required: true, storage: 'boolean' },
    { key: 'eliminated_on', zh: '风险消除日期', aliases: [], type: { kind: 'date' }, required: 'rule', storage: 'date' },
    { key: 'assistance', zh: '帮扶措施', aliases: ['落实帮扶措施'], type: { kind: 'enumList', values: ASSISTANCE_MEASURES }, required: false, storage: 'string' },
  ],
}

export const ORG_LEVELS: Readonly<Record<string, string>> = {
  省: 'province', 市: 'city', 县: 'county', 乡: 'township', 村: 'village',
}

export const ORG_UNITS: DatasetSpec = {
  name: 'org_units',
  zh: '区划名册',
  keyColumn: 'code',
  columns: [
    { key: 'code', zh: '代码', aliases: [], type: { kind: 'code', lengths: [2, 4, 6, 9, 12] }, required: true, storage: 'string' },
    { key: 'name', zh: '名称', aliases: [], type: { kind: 'text', min: 1, max: 50 }, required: true, storage: 'string' },
    { key: 'level', zh: '级别', aliases: [], type: { kind: 'enum', values: ORG_LEVELS }, required: true, storage: 'string' },
    { key: 'parent_code', zh: '上级代码', aliases: [], type: { kind: 'code', lengths: [2, 4, 6, 9] }, required: false, storage: 'string' },
    { key: 'active', zh: '是否有效', aliases: [], type: { kind: 'bool' }, required: false, defaultValue: true, storage: 'boolean' },
  ],
}

/**
 * The indicators a targets file may name: the scored indicators of appraisal.md's default
 * scoring, by their Chinese names (report-labels.ts) or keys.
 */
export const TARGET_INDICATORS: Readonly<Record<string, string>> = {
  风险消除率: 'risk_elimination_rate', 收入同比增长: 'income_growth_yoy', 脱贫劳动力务工就业率: 'labor_employment_rate',
  参保率: 'medical_insurance_rate', 衔接资金支出进度: 'fund_spending_rate', 项目竣工率: 'project_completion_rate',
  集体收入达标村占比: 'collective_income_share', 报送完整率: 'reporting_completeness',
}

/** A cumulative milestone: a number, a rate as a fraction or with % (rectification.md, "Targets"). */
const milestone = (key: string, zh: string, aliases: string[]): ColumnSpec =>
  ({ key, zh, aliases, type: { kind: 'num', min: 0, percent: true }, required: true, storage: 'double' })

export const TARGETS: DatasetSpec = {
  name: 'targets',
  zh: '目标任务',
  keyColumn: 'county_code',
  columns: [
    { key: 'year', zh: '年度', aliases: ['年份'], type: int(2020, 2100), required: true, storage: 'bigint' },
    { key: 'county_code', zh: '县代码', aliases: ['县(市、区)代码'], type: { kind: 'code', lengths: [6] }, required: true, storage: 'string' },
    { key: 'indicator', zh: '指标', aliases: ['考核指标'], type: { kind: 'enum', values: TARGET_INDICATORS }, required: true, storage: 'string' },
    milestone('q1', '一季度目标', ['第一季度目标']),
    milestone('q2', '二季度目标', ['第二季度目标']),
    milestone('q3', '三季度目标', ['第三季度目标']),
    milestone('q4', '四季度目标', ['第四季度目标']),
  ],
}

export const DATASET_SPECS: Readonly<Record<DatasetName, DatasetSpec>> = {
  village_report: VILLAGE_REPORT,
  monitored_households: MONITORED_HOUSEHOLDS,
  org_units: ORG_UNITS,
  targets: TARGETS,
}

/** Columns added to a curated targets file: the uploader's scope (2 or 4 digits) and the submission. */
export const TARGET_DERIVED_COLUMNS: readonly DerivedColumn[] = [
  { key: 'scope', storage: 'string', zh: '上传范围（省 2 位或市 4 位代码）', en: 'the uploader\'s scope (2-digit province or 4-digit city)' },
  { key: 'submission_id', storage: 'string', zh: '报送编号', en: 'submission id' },
]

/** The datasets a county uploads under `uploads/` (org_units comes through `registry/`). */
export const COUNTY_DATASETS = ['village_report', 'monitored_households'] as const
export type CountyDataset = (typeof COUNTY_DATASETS)[number]

export interface DerivedColumn {
  key: string
  storage: StorageType | 'timestamp'
  zh: string
  en: string
}

/** Columns the pipeline adds to the curated tables (village_report.md, monitored_households.md). */
export const DERIVED_COLUMNS: readonly DerivedColumn[] = [
  { key: 'county_code', storage: 'string', zh: '县代码（村代码前 6 位）', en: 'county code (digits 1–6 of village_code)' },
  { key: 'city_code', storage: 'string', zh: '市代码（前 4 位）', en: 'city code (digits 1–4)' },
  { key: 'province_code', storage: 'string', zh: '省代码（前 2 位）', en: 'province code (digits 1–2)' },
  { key: 'township_code', storage: 'string', zh: '乡镇代码（前 9 位）', en: 'township code (digits 1–9)' },
  { key: 'submission_id', storage: 'string', zh: '报送编号', en: 'submission id' },
  { key: 'submitted_at', storage: 'timestamp', zh: '接收时间（UTC）', en: 'time received (UTC)' },
]

export const HOUSEHOLD_DERIVED_COLUMNS: readonly DerivedColumn[] = [
  { key: 'days_monitored', storage: 'bigint', zh: '监测天数（识别至消除或至报告期末）', en: 'days from identified_on to eliminated_on, or to the period end' },
]

/** Partition columns of every lake table: in the object key, not in the file. */
export const PARTITION_COLUMNS = [
  { key: 'year', zh: '年份', en: 'year' },
  { key: 'quarter', zh: '季度（1–4）', en: 'quarter (1–4)' },
] as const

/** Athena/Glue table name for each curated dataset (interfaces.md). */
export const TABLE_OF_DATASET = {
  village_report: 'village_reports',
  monitored_households: 'monitored_households',
} as const
