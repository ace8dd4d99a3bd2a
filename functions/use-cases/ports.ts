import type { DatasetName } from '../../schemas/findings.ts'
import type { CuratedColumn } from '../core/curated-columns.ts'
import type { ByteSource } from '../core/decode/types.ts'
import type { Appraisal, CountyAppraisal, MissingCounty } from '../core/appraisal/score.ts'
import type { RectificationItem } from '../core/rectification/rectification-item.ts'
/**
 * Every port the use cases are written against, in one place. Each has an AWS adapter that is
 * also the local one (S3 and DynamoDB differ only by endpoint) except `QueryEngine`, where
 * Athena and DuckDB are the one real swap, and `Scratch`, the function's own disk (/tmp on
 * Lambda, the state folder locally). Use cases touch no file system and no SDK but through
 * these; tests pass in-memory fakes (test/support/fake-ports.ts).
 */

export type SqlValue = string | number | boolean | null

/** One result row: column name → value (numbers as JS numbers, BIGINT narrowed when safe). */
export type SqlRow = Record<string, SqlValue>

export interface QueryEngine {
  readonly name: 'athena' | 'duckdb'
  /**
   * Runs one statement with positional `?` parameters over the lake tables
   * (`village_reports`, `monitored_households`, `county_appraisals`, `org_units`),
   * referenced by their unqualified names.
   */
  query(sql: string, params?: readonly SqlValue[]): Promise<SqlRow[]>
  /** Runs the named query of functions/sql/ (the engine loads its file). */
  named(name: string, params?: readonly SqlValue[]): Promise<SqlRow[]>
  close?(): Promise<void>
}

export interface StoredObject {
  body: AsyncIterable<Uint8Array>
  size: number
  versionId?: string
  etag?: string
  /** User metadata (x-amz-meta-*), values URL-encoded so any text survives HTTP headers. */
  metadata?: Record<string, string>
}

export interface ListedObject {
  key: string
  size: number
  etag?: string
  /** When the store received the object (S3: second precision on some stores). */
  lastModified?: Date
}

export interface PutOptions {
  contentType?: string
  /** Write only when no object exists at the key (write-once copies). */
  ifNoneMatch?: boolean
  metadata?: Record<string, string>
}

export interface ObjectStore {
  get(bucket: string, key: string, versionId?: string): Promise<StoredObject | undefined>
  /** An object's user metadata, without its body. */
  head(bucket: string, key: string): Promise<{ size: number; metadata: Record<string, string>; versionId?: string; lastModified?: Date } | undefined>
  getBytes(bucket: string, key: string, versionId?: string): Promise<Uint8Array | undefined>
  put(bucket: string, key: string, body: Uint8Array | string, options?: PutOptions): Promise<{ versionId?: string }>
  putFile(bucket: string, key: string, path: string, options?: PutOptions): Promise<{ versionId?: string }>
  copy(bucket: string, fromKey: string, toKey: string): Promise<void>
  exists(bucket: string, key: string): Promise<boolean>
  /** Every object under the prefix, however many (paged). */
  list(bucket: string, prefix: string): Promise<ListedObject[]>
  delete(bucket: string, key: string): Promise<void>
}

/** A value of a curated row, as Parquet stores it (DATE as days since 1970-01-01). */
export type CellValue = string | number | boolean | null

/** Rows streamed into one Parquet file, one row group in memory at a time. */
export interface TableWriter {
  /** Where the file is, for `ObjectStore.putFile`. */
  readonly path: string
  write(record: Record<string, CellValue>): void
  /** One row as values in the column order given at creation. */
  writeValues(values: readonly CellValue[]): void
  /** Forgets every row written so far (the file is started again). */
  restart(): void
  /** Closes the file without finishing it (a rejected upload). */
  abandon(): void
  finish(): void
}

/**
 * A staged upload's rows streamed into one Parquet file, which may be encoded on another
 * thread: a write may return a promise (wait for it before the next: the encoder is behind),
 * and the ends are asynchronous.
 */
export interface StagedTableWriter {
  readonly path: string
  /** One row as values in the column order given at creation; the array may be reused after. */
  writeValues(values: readonly CellValue[]): void | Promise<void>
  /** Forgets every row written so far (the file is started again). */
  restart(): Promise<void>
  /** Closes the file without finishing it (a rejected upload). */
  abandon(): Promise<void>
  finish(): Promise<void>
}

/**
 * A private folder of the running function for one unit of work: the raw upload, the staged
 * Parquet, the appraisal table before it is put. Removed whole by `dispose`.
 */
export interface ScratchArea {
  /** Writes a stream to a file of the area; returns its size and SHA-256 (hex). */
  save(name: string, body: AsyncIterable<Uint8Array>): Promise<{ size: number; sha256: string }>
  /** A file of the area for reading, random access and in chunks; close it after use. */
  source(name: string): Promise<ByteSource>
  readAll(name: string): Promise<Uint8Array>
  /** The path of a file of the area, for `ObjectStore.putFile`. */
  path(name: string): string
  /** A Parquet file of the area with these columns. */
  table(name: string, columns: readonly CuratedColumn[], metadata?: { key: string; value: string }[]): TableWriter
  /**
   * The staged Parquet of an upload, written the area's own way: bench/encoding-thread/ offers
   * one encoded on a second thread, measured against the in-thread writer (README,
   * Performance). Without it, as in the functions' scratch folder, `table` serves.
   */
  stagedTable?(name: string, columns: readonly CuratedColumn[]): StagedTableWriter
  dispose(): Promise<void>
}

export interface Scratch {
  open(label: string): Promise<ScratchArea>
}

/** Reads chosen columns of a small Parquet object into plain rows (INT64 as numbers, DATE as day numbers). */
export type TableReader = (bytes: Uint8Array, columns?: string[]) => Promise<Record<string, CellValue>[]>

export type StoredCountyAppraisal = CountyAppraisal & {
  period: string
  config: Appraisal['config']
  run_id: string
  computed_at: string
  /** The quarter's registry counties without an accepted report, kept on each county's item. */
  missing_counties?: MissingCounty[]
  /** The quarter's counties that could not be appraised, kept on each county's item. */
  not_appraisable?: Appraisal['not_appraisable']
  /** The targets submissions the quarter's appraisal used, kept on each county's item. */
  targets_used?: string[]
}

/**
 * One township's, city's or province's roll-up (appraisal.md, "Roll-ups"): the columns of
 * schemas/region-columns.ts, sums and the ratios computed from them.
 */
export type RegionIndicators = { level: 'township' | 'city' | 'province'; code: string; name: string | null } & Record<string, string | number | null>

/** The `appraisals` table: written per quarter, read by quarter, city or county without scans. */
export interface AppraisalStore {
  save(appraisal: Appraisal, meta: { run_id: string; computed_at: string }): Promise<void>
  /** Replaces the quarter's roll-ups (one item per region, the quarter's partition of regions). */
  saveRegions(period: string, regions: readonly RegionIndicators[], meta: { run_id: string; computed_at: string }): Promise<void>
  /** The quarter's roll-ups, or one region's with its code (2, 4 or 9 digits). */
  regions(period: string, code?: string): Promise<RegionIndicators[]>
  byPeriod(period: string): Promise<StoredCountyAppraisal[]>
  byCity(period: string, city: string): Promise<StoredCountyAppraisal[]>
  byCounty(county: string): Promise<StoredCountyAppraisal[]>
}

/** A rectification item as stored, with the version its next write must name. */
export type StoredRectificationItem = RectificationItem & { version: number }

/**
 * Rectification items (rectification.md), readable by county and by the quarter that opened
 * them without scans. Every write is conditional on the version read, so two writers cannot
 * lose each other's history entry: the second gets `conflict`, reads again and retries.
 */
export interface RectificationStore {
  /** Creates the item (`expectedVersion` left out) or replaces the version read. */
  put(item: RectificationItem, expectedVersion?: number): Promise<'written' | 'conflict'>
  /** One item by its id (which begins with its county). */
  get(itemId: string): Promise<StoredRectificationItem | undefined>
  byCounty(county: string): Promise<StoredRectificationItem[]>
  /** The items opened in a quarter (`opened_in`). */
  byQuarter(period: string): Promise<StoredRectificationItem[]>
  /** The items of a province (2 digits) or a city (4 digits). */
  byRegion(code: string): Promise<StoredRectificationItem[]>
}

/** One upload and its outcome, as the `submissions` table keeps it (interfaces.md). */
export interface SubmissionRecord {
  submission_id: string
  /** 6-digit county, or `registry` for org_units uploads. */
  county: string
  /** `YYYYQn`, or `registry` for org_units uploads. */
  period: string
  dataset: DatasetName | 'unknown'
  status: 'accepted' | 'rejected' | 'superseded'
  received_at: string
  /** Orders uploads: the time S3 received the object, then the event's sequencer. */
  order_key: string
  object_key: string
  version_id: string
  sequencer: string
  uploaded_by: string
  size: number
  sha256: string
  rows: { total: number; accepted: number; rejected: number }
  counts: Record<string, number>
  report_key: string
  /** The write-once copy of the raw bytes, keyed by content hash. */
  raw_key: string
  /** The normalised Parquet of an accepted upload, from which the curated object is copied. */
  staged_keys: string[]
  /** The ingest object's ETag as read: with the key, how reconciliation knows it is recorded where there are no versions. */
  etag?: string
  /** True once the county was told the verdict (SNS or the outbox); redelivery tells it otherwise. */
  notified?: boolean
}

export interface CurrentPointer {
  submission_id: string
  order_key: string
  staged_keys: string[]
}

export interface PeriodLock {
  period: string
  locked: boolean
  by: string
  at: string
  reason?: string
  history: { action: 'lock' | 'unlock'; by: string; at: string; reason?: string }[]
}

/** The `submissions` table: every upload, which one is current, and the period locks. */
export interface SubmissionLedger {
  /** Records a submission once; a second delivery of the same upload finds it there. */
  record(sub: SubmissionRecord): Promise<'created' | 'exists'>
  get(county: string, period: string, submissionId: string): Promise<SubmissionRecord | undefined>
  /**
   * Makes the submission current for its county, dataset and quarter unless a later one is
   * already current (conditional write). Returns the submission it replaced, if any.
   */
  claimCurrent(sub: SubmissionRecord): Promise<{ current: boolean; replaced?: string }>
  current(county: string, period: string, dataset: DatasetName): Promise<CurrentPointer | undefined>
  markSuperseded(county: string, period: string, submissionId: string): Promise<void>
  /** Remembers that the county was told the submission's verdict. */
  markNotified(county: string, period: string, submissionId: string): Promise<void>
  /** Submissions of a county and quarter, oldest first, and the current one per dataset. */
  list(county: string, period: string): Promise<{ submissions: SubmissionRecord[]; current: Partial<Record<DatasetName, string>> }>
  /** The quarters for which the county has a current accepted upload of the dataset. */
  currentPeriods(county: string, dataset: DatasetName): Promise<{ period: string; pointer: CurrentPointer }[]>
  /** Forgets a county and quarter (submissions and current pointers): a replay rebuilds them. */
  clear(county: string, period: string): Promise<number>
  getLock(period: string): Promise<PeriodLock | undefined>
  setLock(period: string, locked: boolean, by: string, at: string, reason?: string): Promise<PeriodLock>
}

/** A browser form that uploads one object straight to S3 (POST Object); `fields` go before the file. */
export interface PresignedPost {
  url: string
  fields: Record<string, string>
}

/**
 * Signs short-lived S3 requests for a browser: a POST whose policy fixes the key and the exact
 * content length, and a GET of one object. SigV4 on AWS with the function's own credentials;
 * locally the same signatures, checked by the local server that hands them out.
 */
export interface Presigner {
  /**
   * `contentLength` exact, or a `[min, max]` range; `contentType` fixes the form's Content-Type;
   * `metadata`: user metadata the policy fixes (`x-amz-meta-<name>` fields, each an exact condition).
   */
  post(bucket: string, key: string, options: { contentLength: number | readonly [number, number]; contentType?: string; expiresInSeconds: number; now: Date; metadata?: Record<string, string> }): Promise<PresignedPost>
  get(bucket: string, key: string, options: { expiresInSeconds: number; now: Date }): Promise<string>
}
