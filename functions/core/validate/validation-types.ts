import type { DatasetName, Finding, ValidationReport } from '../../../schemas/findings.ts'
import type { ParsedValue } from '../values.ts'
import type { PreviousQuarters } from './quarter-checks.ts'
import type { VillageRosterFigures } from './roster-check.ts'
import type { KeyHash } from './key-index.ts'

/** The types the validator's parts share (validate-file.ts re-exports them for its callers). */

/** One accepted row, keyed by its stored column names (head_id_number → head_id_hash), with derived columns. */
export type CuratedRecord = Record<string, ParsedValue | null>

export interface RegistryView {
  /** True when the registry holds the province (2-digit code). */
  coversProvince(province: string): boolean
  /** True when the village is listed and active. */
  isActiveVillage(code: string): boolean
  /** For org_units files: codes present in the registry (parent look-ups). */
  has?(code: string): boolean
}

export interface ValidationContext {
  /** The uploading county (6 digits); null for a registry upload. */
  county: string | null
  /** The upload's period (`YYYYQn`); null for a registry upload. */
  period: string | null
  /** A targets file's uploader scope (2-digit province or 4-digit city), when the upload carries one. */
  scope?: string
  /** The dataset named by `--dataset` or by the `registry/` prefix. */
  dataset?: DatasetName
  /** Datasets the header may name when `dataset` is not given. */
  candidates: readonly DatasetName[]
  receivedAt: Date
  deadlineDays: number
  maxRows: number
  /** Keyed HMAC of a resident ID number (head_id_hash); the ID itself is never kept. */
  hashId(id: string): string
  submissionId: string
  /** Loads the village's earlier accepted quarters (called once, for a village report only). */
  previous?: () => Promise<PreviousQuarters>
  /**
   * The accepted roster of the county's latest earlier quarter that has one (never this
   * quarter's): the households whose risk was not eliminated there (household_dropped).
   */
  earlierRoster?: () => Promise<EarlierRoster | undefined>
  /** Loads the registry when one was uploaded. */
  registry?: () => Promise<RegistryView | undefined>
  /**
   * The other dataset of the same county and quarter when it is accepted: per-village figures
   * of the roster (for a village report) or of the report (for a roster).
   */
  counterpart?: (dataset: DatasetName) => Promise<ReadonlyMap<string, VillageRosterFigures> | undefined>
  /** File-level errors found before reading (wrong_place, period_locked). */
  preFindings?: Finding[]
}

export interface RecordSink {
  /** Called for each valid row while the file has no error; the caller keeps or drops them. */
  write(record: CuratedRecord): void | Promise<void>
  /**
   * Optional, instead of `write`: the same row as values in `curatedColumns(dataset)` order,
   * without a record object per row. The array is reused for the next row.
   */
  writeRow?(dataset: DatasetName, values: readonly (ParsedValue | null)[]): void | Promise<void>
  /**
   * Forgets every row written so far. Called, very rarely, when a key-hash collision makes
   * the validator check the file again from the start with exact keys (key-index.ts).
   */
  restart?(): void | Promise<void>
}

export interface ValidateOptions {
  /** Keys kept as strings (the last resort after collisions under several seeds). */
  exactKeys?: boolean
  /** The key hash (tests force collisions with a weak one). */
  keyHash?: KeyHash
  /** The key hash's seed: another one after a collision. */
  keySeed?: number
  /**
   * The file's size in bytes, when known: the key index is then sized for the rows the first
   * rows let expect, once, instead of doubling as it fills (a doubling briefly holds both
   * tables: 1.5 times the memory of the larger one).
   */
  fileBytes?: number
}

export interface ValidationOutcome {
  report: ValidationReport
  dataset: DatasetName | null
  /** The village report's or the roster's per-village roster figures (for the counterpart check). */
  rosterFigures: Map<string, VillageRosterFigures>
  /** Codes of the villages in the file. */
  villages: Set<string>
}

/** The households still at risk on an earlier accepted roster of the county. */
export interface EarlierRoster {
  period: string
  atRisk: Iterable<string>
}
