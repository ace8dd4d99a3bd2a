/**
 * The small ports the use cases are written against. Each has an AWS adapter that is also the
 * local one (S3 and DynamoDB differ only by endpoint) except `QueryEngine`, where Athena and
 * DuckDB are the one real swap.
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

export interface PutOptions {
  contentType?: string
  /** Write only when no object exists at the key (write-once copies). */
  ifNoneMatch?: boolean
  metadata?: Record<string, string>
}

export interface ObjectStore {
  get(bucket: string, key: string, versionId?: string): Promise<StoredObject | undefined>
  /** An object's user metadata, without its body. */
  head(bucket: string, key: string): Promise<{ size: number; metadata: Record<string, string> } | undefined>
  getBytes(bucket: string, key: string, versionId?: string): Promise<Uint8Array | undefined>
  put(bucket: string, key: string, body: Uint8Array | string, options?: PutOptions): Promise<{ versionId?: string }>
  putFile(bucket: string, key: string, path: string, options?: PutOptions): Promise<{ versionId?: string }>
  copy(bucket: string, fromKey: string, toKey: string): Promise<void>
  exists(bucket: string, key: string): Promise<boolean>
  list(bucket: string, prefix: string): Promise<{ key: string; size: number; etag?: string }[]>
  delete(bucket: string, key: string): Promise<void>
}
