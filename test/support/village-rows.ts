/**
 * Valid rows of the county datasets, and helpers that render them as the files counties send:
 * Chinese or English headers, any column order, title lines above the header, UTF-8 (with or
 * without BOM) or GB18030. A test starts from a valid row and breaks exactly one thing.
 *
 *   villageCsv([villageRow({ population: '一千' })])          // header + one row, Chinese headers
 *   datasetCsv(MONITORED_HOUSEHOLDS, [rosterRow()], { headers: 'en', titleLines: [['名册']] })
 */
import iconv from 'iconv-lite'
import { MONITORED_HOUSEHOLDS, VILLAGE_REPORT, type DatasetSpec } from '../../schemas/datasets.ts'

export type RowText = Record<string, string>

/** The upload every row below belongs to. */
export const COUNTY = '522226'
export const PERIOD = '2024Q2'
export const VILLAGE = '522226101203'

/** A valid resident ID (GB 11643 check digit 3) and one whose check digit is wrong. */
export const VALID_ID = '522226198001011233'
export const BAD_CHECK_ID = '522226198001011234'

/**
 * A village report row that passes every check, with room on both sides of every rule: each
 * VR rule can be broken by changing one or two figures without breaking another.
 */
export const VILLAGE_ROW: Readonly<RowText> = {
  period: PERIOD,
  village_code: VILLAGE,
  village_name: '坪坝村',
  township_name: '木黄镇',
  key_assisted: '是',
  relocation_site: '否',
  households: '300',
  population: '1000',
  alleviated_households: '100',
  alleviated_persons: '350',
  relocated_households: '20',
  relocated_persons: '70',
  monitored_unstable_households: '5',
  monitored_unstable_persons: '15',
  monitored_marginal_households: '4',
  monitored_marginal_persons: '12',
  monitored_hardship_households: '2',
  monitored_hardship_persons: '6',
  monitored_new_households: '3',
  risk_eliminated_households: '6',
  risk_eliminated_persons: '18',
  alleviated_income_per_capita: '8000',
  persons_below_monitoring_line: '10',
  alleviated_labor: '200',
  alleviated_labor_employed: '150',
  public_welfare_posts: '5',
  relocated_zero_employment_households: '0',
  dropouts: '0',
  // VR10: ≤ alleviated 350 + marginal 12 + hardship 6 = 368
  medical_insured_persons: '360',
  unsafe_houses: '0',
  unsafe_water_households: '0',
  collective_operating_income: '50000',
  linkage_funds_allocated: '100',
  linkage_funds_spent: '60',
  projects_planned: '4',
  projects_completed: '2',
}

/** A roster household at risk (not eliminated), assisted, valid in every column. */
export const ROSTER_ROW: Readonly<RowText> = {
  period: PERIOD,
  village_code: VILLAGE,
  household_id: 'H-0001',
  head_id_number: VALID_ID,
  category: '脱贫不稳定户',
  household_size: '3',
  risk_causes: '因病、因学',
  income_per_capita: '6500',
  identified_on: '2023-05-10',
  risk_eliminated: '否',
  eliminated_on: '',
  assistance: '产业帮扶、就业帮扶',
}

export function villageRow(overrides: RowText = {}): RowText {
  return { ...VILLAGE_ROW, ...overrides }
}

export function rosterRow(overrides: RowText = {}): RowText {
  return { ...ROSTER_ROW, ...overrides }
}

/** Village `n` of the county (n < 1000), so that many rows have distinct keys. */
export function villageCode(n: number): string {
  return `${COUNTY}101${String(n).padStart(3, '0')}`
}

export interface CsvOptions {
  /** `zh` (default): each column's Chinese header; `en`: its key; or a header per key. */
  headers?: 'zh' | 'en' | Readonly<Record<string, string>>
  /** Column keys in file order (default: the dataset's order); keys not listed are left out. */
  columns?: readonly string[]
  /** Lines written above the header, cell by cell. */
  titleLines?: readonly (readonly string[])[]
  /** Extra columns after the dataset's, as [header, value of every row]. */
  extra?: readonly (readonly [string, string])[]
  /** Line break (default CRLF, as Excel writes). */
  eol?: string
}

/** A CSV field, quoted when it must be (RFC 4180). */
export function csvField(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text
}

export function csvLine(cells: readonly string[]): string {
  return cells.map(csvField).join(',')
}

function headerOf(spec: DatasetSpec, key: string, headers: CsvOptions['headers']): string {
  if (headers === 'en') return key
  if (headers === undefined || headers === 'zh') {
    const column = spec.columns.find((c) => c.key === key)
    if (!column) throw new Error(`${spec.name} has no column ${key}`)
    return column.zh
  }
  return headers[key] ?? headerOf(spec, key, 'zh')
}

/** The CSV text of `rows` under a header row of the dataset. A row of `null` is a blank line. */
export function datasetCsv(spec: DatasetSpec, rows: readonly (RowText | null)[], options: CsvOptions = {}): string {
  const keys = options.columns ?? spec.columns.map((c) => c.key)
  const extra = options.extra ?? []
  const lines: string[] = []
  for (const title of options.titleLines ?? []) lines.push(csvLine(title))
  lines.push(csvLine([...keys.map((k) => headerOf(spec, k, options.headers)), ...extra.map(([h]) => h)]))
  for (const row of rows) {
    lines.push(row === null ? '' : csvLine([...keys.map((k) => row[k] ?? ''), ...extra.map(([, v]) => v)]))
  }
  const eol = options.eol ?? '\r\n'
  return lines.join(eol) + eol
}

export function villageCsv(rows: readonly (RowText | null)[], options: CsvOptions = {}): string {
  return datasetCsv(VILLAGE_REPORT, rows, options)
}

export function rosterCsv(rows: readonly (RowText | null)[], options: CsvOptions = {}): string {
  return datasetCsv(MONITORED_HOUSEHOLDS, rows, options)
}

/** The dataset's keys in a shuffled but reproducible order (a fixed rotation and reversal). */
export function shuffledKeys(spec: DatasetSpec, seed = 7): string[] {
  const keys = spec.columns.map((c) => c.key)
  const cut = seed % keys.length
  return [...keys.slice(cut), ...keys.slice(0, cut)].reverse()
}

export function utf8(text: string, options: { bom?: boolean } = {}): Uint8Array {
  const body = new TextEncoder().encode(text)
  if (!options.bom) return body
  const out = new Uint8Array(body.length + 3)
  out.set([0xef, 0xbb, 0xbf])
  out.set(body, 3)
  return out
}

export function gb18030(text: string): Uint8Array {
  return new Uint8Array(iconv.encode(text, 'gb18030'))
}
