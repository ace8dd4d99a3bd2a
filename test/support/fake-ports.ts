import { createHash } from 'node:crypto'
import { bufferByteSource } from '../../functions/core/decode/byte-source.ts'
import type {
  AppraisalStore, CellValue, CurrentPointer, ObjectStore, PeriodLock, PutOptions, Scratch, ScratchArea, StoredCountyAppraisal,
  RectificationStore, RegionIndicators, StoredObject, StoredRectificationItem, SubmissionLedger, SubmissionRecord, TableReader, TableWriter,
} from '../../functions/use-cases/ports.ts'
import type { RectificationItem } from '../../functions/core/rectification/rectification-item.ts'
import type { DatasetName } from '../../schemas/findings.ts'
import type { Appraisal, MissingCounty } from '../../functions/core/appraisal/score.ts'

/**
 * In-memory stand-ins for the use cases' ports: the use cases run on them with no emulator,
 * no file system and no SDK. Tables are kept as JSON rows (the fake scratch's `table` and the
 * fake `readTable` agree with each other, not with Parquet).
 */

const concat = (chunks: Uint8Array[]) => {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.byteLength, 0))
  let at = 0
  for (const c of chunks) {
    out.set(c, at)
    at += c.byteLength
  }
  return out
}

/** Files of every fake scratch area, by their `mem://` path. */
export class MemoryFiles {
  readonly files = new Map<string, Uint8Array>()
}

export function memoryScratch(files: MemoryFiles): Scratch & { opened: number; disposed: number } {
  let n = 0
  const scratch = {
    opened: 0,
    disposed: 0,
    async open(label: string): Promise<ScratchArea> {
      scratch.opened++
      const dir = `mem://${label}-${++n}/`
      const path = (name: string) => `${dir}${name}`
      return {
        path,
        async save(name, body) {
          const chunks: Uint8Array[] = []
          for await (const c of body) chunks.push(c)
          const bytes = concat(chunks)
          files.files.set(path(name), bytes)
          return { size: bytes.byteLength, sha256: createHash('sha256').update(bytes).digest('hex') }
        },
        source: async (name) => bufferByteSource(files.files.get(path(name)) ?? new Uint8Array()),
        readAll: async (name) => files.files.get(path(name)) ?? new Uint8Array(),
        table: (name, columns): TableWriter => {
          let rows: Record<string, CellValue>[] = []
          const writer: TableWriter = {
            path: path(name),
            write: (record) => void rows.push({ ...record }),
            writeValues: (values) => void rows.push(Object.fromEntries(columns.map((c, i) => [c.name, values[i] ?? null]))),
            restart: () => void (rows = []),
            abandon: () => undefined,
            finish: () => void files.files.set(path(name), new TextEncoder().encode(JSON.stringify(rows))),
          }
          return writer
        },
        async dispose() {
          scratch.disposed++
          for (const k of [...files.files.keys()]) if (k.startsWith(dir)) files.files.delete(k)
        },
      }
    },
  }
  return scratch
}

export const readJsonTable: TableReader = async (bytes, columns) => {
  const rows = JSON.parse(new TextDecoder().decode(bytes)) as Record<string, CellValue>[]
  return columns ? rows.map((r) => Object.fromEntries(columns.map((c) => [c, r[c] ?? null]))) : rows
}

export class MemoryObjectStore implements ObjectStore {
  readonly objects = new Map<string, { bytes: Uint8Array; metadata: Record<string, string>; contentType?: string }>()
  /** Keys whose reads answer as S3 does without s3:ListBucket: 403, not "not found". */
  denyMissing = false

  constructor(private readonly files: MemoryFiles) {}

  private at(bucket: string, key: string) {
    const o = this.objects.get(`${bucket}/${key}`)
    if (!o && this.denyMissing) throw Object.assign(new Error(`AccessDenied: s3://${bucket}/${key}`), { name: 'AccessDenied' })
    return o
  }

  async get(bucket: string, key: string): Promise<StoredObject | undefined> {
    const o = this.at(bucket, key)
    if (!o) return undefined
    const bytes = o.bytes
    return { body: (async function* () { yield bytes })(), size: bytes.byteLength, metadata: { ...o.metadata } }
  }

  async head(bucket: string, key: string) {
    const o = this.at(bucket, key)
    return o ? { size: o.bytes.byteLength, metadata: { ...o.metadata } } : undefined
  }

  async getBytes(bucket: string, key: string) {
    return this.at(bucket, key)?.bytes
  }

  async put(bucket: string, key: string, body: Uint8Array | string, options: PutOptions = {}) {
    if (options.ifNoneMatch && this.objects.has(`${bucket}/${key}`)) return {}
    const bytes = typeof body === 'string' ? new TextEncoder().encode(body) : body
    this.objects.set(`${bucket}/${key}`, { bytes, metadata: { ...options.metadata }, ...(options.contentType ? { contentType: options.contentType } : {}) })
    return {}
  }

  async putFile(bucket: string, key: string, path: string, options: PutOptions = {}) {
    const bytes = this.files.files.get(path)
    if (!bytes) throw new Error(`no scratch file ${path}`)
    return this.put(bucket, key, bytes, options)
  }

  async copy(bucket: string, fromKey: string, toKey: string) {
    const o = this.objects.get(`${bucket}/${fromKey}`)
    if (!o) throw new Error(`no object ${fromKey}`)
    this.objects.set(`${bucket}/${toKey}`, { ...o })
  }

  async exists(bucket: string, key: string) {
    return this.objects.has(`${bucket}/${key}`)
  }

  async list(bucket: string, prefix: string) {
    return [...this.objects.entries()]
      .filter(([k]) => k.startsWith(`${bucket}/${prefix}`))
      .map(([k, o]) => ({ key: k.slice(bucket.length + 1), size: o.bytes.byteLength }))
      .sort((a, b) => a.key.localeCompare(b.key))
  }

  async delete(bucket: string, key: string) {
    this.objects.delete(`${bucket}/${key}`)
  }

  keys(bucket: string): string[] {
    return [...this.objects.keys()].filter((k) => k.startsWith(`${bucket}/`)).map((k) => k.slice(bucket.length + 1)).sort()
  }
}

/** The submissions table's rules (conditional writes) in memory. */
export class MemoryLedger implements SubmissionLedger {
  readonly submissions = new Map<string, SubmissionRecord>()
  readonly pointers = new Map<string, CurrentPointer & { county: string; period: string; dataset: DatasetName }>()
  readonly locks = new Map<string, PeriodLock>()

  async record(sub: SubmissionRecord) {
    const k = `${sub.county}#${sub.period}#${sub.submission_id}`
    if (this.submissions.has(k)) return 'exists' as const
    this.submissions.set(k, structuredClone(sub))
    return 'created' as const
  }

  async get(county: string, period: string, id: string) {
    const s = this.submissions.get(`${county}#${period}#${id}`)
    return s ? structuredClone(s) : undefined
  }

  async claimCurrent(sub: SubmissionRecord) {
    const k = `${sub.county}#${sub.period}#${sub.dataset}`
    const old = this.pointers.get(k)
    if (old && !(old.order_key < sub.order_key || old.submission_id === sub.submission_id)) return { current: false }
    this.pointers.set(k, { submission_id: sub.submission_id, order_key: sub.order_key, staged_keys: [...sub.staged_keys], county: sub.county, period: sub.period, dataset: sub.dataset as DatasetName })
    return old && old.submission_id !== sub.submission_id ? { current: true, replaced: old.submission_id } : { current: true }
  }

  async current(county: string, period: string, dataset: DatasetName) {
    const p = this.pointers.get(`${county}#${period}#${dataset}`)
    return p ? { submission_id: p.submission_id, order_key: p.order_key, staged_keys: [...p.staged_keys] } : undefined
  }

  async markSuperseded(county: string, period: string, id: string) {
    const s = this.submissions.get(`${county}#${period}#${id}`)
    if (s?.status === 'accepted') s.status = 'superseded'
  }

  async markNotified(county: string, period: string, id: string) {
    const s = this.submissions.get(`${county}#${period}#${id}`)
    if (!s) throw new Error(`no submission ${id}`)
    s.notified = true
  }

  async list(county: string, period: string) {
    const submissions = [...this.submissions.values()].filter((s) => s.county === county && s.period === period).sort((a, b) => a.order_key.localeCompare(b.order_key)).map((s) => structuredClone(s))
    const current: Partial<Record<DatasetName, string>> = {}
    for (const p of this.pointers.values()) if (p.county === county && p.period === period) current[p.dataset] = p.submission_id
    return { submissions, current }
  }

  async currentPeriods(county: string, dataset: DatasetName) {
    return [...this.pointers.values()].filter((p) => p.county === county && p.dataset === dataset).map((p) => ({ period: p.period, pointer: { submission_id: p.submission_id, order_key: p.order_key, staged_keys: [...p.staged_keys] } }))
  }

  async clear(county: string, period: string) {
    let n = 0
    for (const [k, s] of this.submissions) if (s.county === county && s.period === period && this.submissions.delete(k)) n++
    for (const [k, p] of this.pointers) if (p.county === county && p.period === period && this.pointers.delete(k)) n++
    return n
  }

  async getLock(period: string) {
    return this.locks.get(period)
  }

  async setLock(period: string, locked: boolean, by: string, at: string, reason?: string) {
    const old = this.locks.get(period)
    const lock: PeriodLock = { period, locked, by, at, ...(reason ? { reason } : {}), history: [...(old?.history ?? []), { action: locked ? 'lock' : 'unlock', by, at, ...(reason ? { reason } : {}) }] }
    this.locks.set(period, lock)
    return lock
  }
}

export class MemoryAppraisals implements AppraisalStore {
  readonly saved: { counties: number; run_id: string; missing_counties: MissingCounty[] }[] = []
  readonly savedRegions = new Map<string, RegionIndicators[]>()
  async save(appraisal: Appraisal, meta: { run_id: string; computed_at: string }) {
    this.saved.push({ counties: appraisal.counties.length, run_id: meta.run_id, missing_counties: appraisal.missing_counties })
  }
  async saveRegions(period: string, regions: readonly RegionIndicators[]) {
    this.savedRegions.set(period, [...regions])
  }
  async regions(period: string, code?: string): Promise<RegionIndicators[]> {
    return (this.savedRegions.get(period) ?? []).filter((r) => code === undefined || r.code === code)
  }
  async byPeriod(): Promise<StoredCountyAppraisal[]> {
    return []
  }
  async byCity(): Promise<StoredCountyAppraisal[]> {
    return []
  }
  async byCounty(): Promise<StoredCountyAppraisal[]> {
    return []
  }
}

/** The rectification items in memory, with the same version checks as the DynamoDB adapter. */
export class MemoryRectifications implements RectificationStore {
  readonly items = new Map<string, StoredRectificationItem>()
  /** Throws on the nth put from now (1 = the next), to stand for a crash between writes. */
  failOnPut: number | undefined
  puts = 0

  async put(item: RectificationItem, expectedVersion?: number): Promise<'written' | 'conflict'> {
    if (this.failOnPut !== undefined && --this.failOnPut === 0) {
      this.failOnPut = undefined
      throw new Error(`injected failure writing ${item.item_id}`)
    }
    const old = this.items.get(item.item_id)
    if (expectedVersion === undefined ? old !== undefined : old?.version !== expectedVersion) return 'conflict'
    this.puts++
    this.items.set(item.item_id, structuredClone({ ...item, version: (expectedVersion ?? 0) + 1 }))
    return 'written'
  }
  async get(itemId: string) {
    const found = this.items.get(itemId)
    return found && structuredClone(found)
  }
  async byCounty(county: string) {
    return this.sorted((i) => i.county === county)
  }
  async byQuarter(period: string) {
    return this.sorted((i) => i.opened_in === period)
  }
  async byRegion(code: string) {
    return this.sorted((i) => i.county.startsWith(code))
  }
  private sorted(keep: (i: StoredRectificationItem) => boolean): StoredRectificationItem[] {
    return [...this.items.values()].filter(keep).sort((a, b) => (a.item_id < b.item_id ? -1 : 1)).map((i) => structuredClone(i))
  }
}
