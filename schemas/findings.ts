import * as z from 'zod/mini'
import './zod-english.ts'
import { DATASETS } from './dataset-names.ts'

/** File-level codes (contract/validation.md, "File-level codes"). */
export const FILE_CODES = [
  'unsupported_format',
  'malformed',
  'encoding',
  'empty_file',
  'file_too_large',
  'too_many_rows',
  'archive_limits',
  'unknown_dataset',
  'missing_column',
  'duplicate_column',
  'unknown_column',
  'wrong_place',
  'period_locked',
  'late_submission',
] as const

/** Row-level codes (contract/validation.md, "Row-level codes"). */
export const ROW_CODES = [
  'required',
  'type',
  'range',
  'enum',
  'format',
  'period_mismatch',
  'outside_county',
  'duplicate_key',
  'rule',
  'outlier',
  'roster_mismatch',
  'unassisted',
  'unknown_village',
  'unit_suspect',
  'id_number_misplaced',
  'household_dropped',
] as const

export const FINDING_CODES = [...FILE_CODES, ...ROW_CODES] as const
export const FindingCodeSchema = z.enum(FINDING_CODES)
export type FindingCode = z.infer<typeof FindingCodeSchema>
export type FileCode = (typeof FILE_CODES)[number]

/**
 * File-level errors after which the rows are still checked (contract/validation.md,
 * "Reading a file"); every other file-level error stops the file from being read.
 */
export const NON_STOPPING_FILE_CODES: ReadonlySet<FindingCode> = new Set([
  'unknown_column',
  'missing_column',
  'duplicate_column',
  'late_submission',
])

export const VILLAGE_RULES = [
  'VR01', 'VR02', 'VR03', 'VR04', 'VR05', 'VR06', 'VR07',
  'VR08', 'VR09', 'VR10', 'VR11', 'VR12', 'VR13', 'VR14',
] as const
export const HOUSEHOLD_RULES = ['MH01', 'MH02', 'MH03'] as const
/** QQ05 is retired (never emitted, its id never reused): its cases are unit_suspect UN02. */
export const QQ_CHECKS = ['QQ01', 'QQ02', 'QQ03', 'QQ04', 'QQ05'] as const
/** Unit checks (validation.md, "Unit checks"). */
export const UNIT_CHECKS = ['UN01', 'UN02'] as const
export const RULE_IDS = [...VILLAGE_RULES, ...HOUSEHOLD_RULES, ...QQ_CHECKS, ...UNIT_CHECKS] as const
export const RuleIdSchema = z.enum(RULE_IDS)
export type RuleId = z.infer<typeof RuleIdSchema>

export const SeveritySchema = z.enum(['error', 'warning'])
export type Severity = z.infer<typeof SeveritySchema>

export const MessageSchema = z.object({ zh: z.string(), en: z.string() })
export type Message = z.infer<typeof MessageSchema>

/** One finding, with its keys in the order of contract/interfaces.md. */
export const FindingSchema = z.object({
  severity: SeveritySchema,
  code: FindingCodeSchema,
  rule: z.optional(RuleIdSchema),
  row: z.optional(z.number().check(z.int(), z.positive())),
  column: z.optional(z.string()),
  header: z.optional(z.string()),
  cell: z.optional(z.string()),
  sheet: z.optional(z.string()),
  value: z.optional(z.string()),
  message: MessageSchema,
})
export type Finding = z.infer<typeof FindingSchema>

export { DATASETS }
export const DatasetNameSchema = z.enum(DATASETS)
export type DatasetName = z.infer<typeof DatasetNameSchema>

export const RowCountsSchema = z.object({
  total: z.number().check(z.int(), z.nonnegative()),
  accepted: z.number().check(z.int(), z.nonnegative()),
  rejected: z.number().check(z.int(), z.nonnegative()),
})

/** The `va validate --json` document, which is also the submission report (interfaces.md). */
export const ValidationReportSchema = z.object({
  dataset: z.nullable(DatasetNameSchema),
  county: z.nullable(z.string()),
  period: z.nullable(z.string()),
  status: z.enum(['accepted', 'rejected']),
  rows: RowCountsSchema,
  counts: z.record(z.string(), z.number().check(z.int(), z.positive())),
  findings: z.array(FindingSchema),
  truncated: z.boolean(),
})
export type ValidationReport = z.infer<typeof ValidationReportSchema>

/** A report lists at most this many findings in detail (validation.md). */
export const MAX_LISTED_FINDINGS = 1000
