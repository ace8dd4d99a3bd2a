import {
  DERIVED_COLUMNS,
  HOUSEHOLD_DERIVED_COLUMNS,
  MONITORED_HOUSEHOLDS,
  ORG_UNITS,
  PARTITION_COLUMNS,
  VILLAGE_REPORT,
} from '../schemas/datasets.ts'
import type { ColumnSpec, DatasetSpec, DerivedColumn, StorageType } from '../schemas/datasets.ts'
import { APPRAISAL_COLUMNS } from '../schemas/appraisal-columns.ts'
import { REGION_INDICATOR_COLUMNS } from '../schemas/region-columns.ts'
import { RECTIFICATION_COLUMNS } from '../schemas/rectification-columns.ts'

/**
 * Glue column lists derived from the dataset specs, so that the Athena tables cannot drift
 * from what the validate function writes (contract/interfaces.md, "Athena"). Pure data: the
 * stack and the tests both read these.
 */

export interface GlueColumn {
  name: string
  type: string
  comment: string
}

/** Glue caps a column comment at 255 characters. */
const MAX_COMMENT = 255

const GLUE_TYPE: Readonly<Record<StorageType | 'timestamp', string>> = {
  string: 'string',
  bigint: 'bigint',
  double: 'double',
  boolean: 'boolean',
  date: 'date',
  timestamp: 'timestamp',
}

function clip(comment: string): string {
  return comment.length <= MAX_COMMENT ? comment : comment.slice(0, MAX_COMMENT)
}

/** The Chinese header plus its unit, as the county's sheet prints it: `总人口（人）`. */
export function columnComment(column: ColumnSpec): string {
  // The hash is what is stored; saying so stops an analyst looking for ID numbers in it.
  if (column.storedAs !== undefined) return clip(`${column.zh}（HMAC 哈希值，不存原文）`)
  return clip(column.unit ? `${column.zh}（${column.unit.zh}）` : column.zh)
}

function fromSpec(column: ColumnSpec): GlueColumn {
  return { name: column.storedAs ?? column.key, type: GLUE_TYPE[column.storage], comment: columnComment(column) }
}

function fromDerived(column: DerivedColumn): GlueColumn {
  return { name: column.key, type: GLUE_TYPE[column.storage], comment: clip(column.zh) }
}

function datasetColumns(spec: DatasetSpec, extra: readonly DerivedColumn[]): GlueColumn[] {
  return [...spec.columns.map(fromSpec), ...extra.map(fromDerived)]
}

export const VILLAGE_REPORT_COLUMNS: readonly GlueColumn[] = datasetColumns(VILLAGE_REPORT, DERIVED_COLUMNS)

export const MONITORED_HOUSEHOLD_COLUMNS: readonly GlueColumn[] = datasetColumns(MONITORED_HOUSEHOLDS, [
  ...DERIVED_COLUMNS,
  ...HOUSEHOLD_DERIVED_COLUMNS,
])

const PROVINCE_CODE = DERIVED_COLUMNS.find((c) => c.key === 'province_code')

/** The registry: not partitioned, replaced per province (contract/org_units.md). */
export const ORG_UNIT_COLUMNS: readonly GlueColumn[] = [
  ...ORG_UNITS.columns.map(fromSpec),
  { name: 'province_code', type: 'string', comment: PROVINCE_CODE?.zh ?? '省代码（前 2 位）' },
]

export const PARTITION_KEYS: readonly GlueColumn[] = PARTITION_COLUMNS.map((c) => ({
  name: c.key,
  type: 'int',
  comment: c.zh,
}))

const bilingual = (zh: string, en: string): string => clip(`${zh} / ${en}`)

/**
 * One row per county and quarter, as the aggregate function writes it. The column list and
 * the storage types come from the writer's own table (schemas/appraisal-columns.ts):
 * Athena refuses a Parquet INT64 column declared `int`, so the Glue types must be the
 * writer's, not a second opinion.
 */
export const COUNTY_APPRAISAL_COLUMNS: readonly GlueColumn[] = APPRAISAL_COLUMNS.map((c) => ({
  name: c.key,
  type: GLUE_TYPE[c.storage],
  comment: bilingual(c.zh, c.en),
}))

/** One row per township, city and province and quarter: the roll-ups (appraisal.md), as runAppraisal writes them. */
export const REGION_INDICATOR_GLUE_COLUMNS: readonly GlueColumn[] = REGION_INDICATOR_COLUMNS.map((c) => ({
  name: c.key,
  type: GLUE_TYPE[c.storage],
  comment: bilingual(c.zh, c.en),
}))

/** One row per rectification item as it stood at a quarter's publication (rectification.md). */
export const RECTIFICATION_GLUE_COLUMNS: readonly GlueColumn[] = RECTIFICATION_COLUMNS.map((c) => ({
  name: c.key,
  type: GLUE_TYPE[c.storage],
  comment: bilingual(c.zh, c.en),
}))
