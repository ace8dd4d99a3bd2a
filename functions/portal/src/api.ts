import type { Message, ValidationReport } from '../../../schemas/findings.ts'

/** The signed-in identity's claims, as the server reads them (GET /api/me). */
export interface Me {
  subject: string
  name: string
  county?: string
  city?: string
  province?: string
  admin: boolean
  open_periods: string[]
}

export interface UploadSlot {
  url: string
  fields: Record<string, string>
  key: string
  expires_at: string
}

export interface Submission {
  submission_id: string
  dataset: string | null
  /** accepted, rejected or superseded. */
  status: string
  received_at: string
  object_key: string
  version_id?: string
  uploaded_by?: string
  rows: { total: number; accepted: number; rejected: number }
  counts: Record<string, number>
  report_key: string
  current: boolean
}

export interface SubmissionList {
  county: string
  period: string
  submissions: Submission[]
}

export interface BreakdownLine {
  indicator: string
  value: number | null
  floor: number
  target: number
  weight: number
  points: number
  direction?: 'up' | 'down'
}

export interface AppraisedCounty {
  county: string
  name: string | null
  city: string
  province: string
  indicators: Record<string, number | null>
  score: number
  grade: 'excellent' | 'good' | 'fair' | 'poor'
  rank_in_city: number
  rank_in_province: number
  red_flags: { indicator: string; value: number; villages: string[] }[]
  breakdown?: BreakdownLine[]
  no_data: string[]
  rectification?: { open: number; overdue: number }
  /** value / milestone per targeted indicator (null where the value is null); absent without targets. */
  progress?: Record<string, number | null>
}

export interface Appraisal {
  period: string
  config: { version: string; sha256: string } | null
  counties: AppraisedCounty[]
  missing_counties: { county: string; name: string | null }[]
  not_appraisable: { county: string; reason: string }[]
  late_counties?: { county: string; submitted_at: string }[]
}

export interface CountyHistory {
  county: string
  name: string | null
  history: (Omit<AppraisedCounty, 'county' | 'name' | 'city' | 'province'> & { period: string })[]
}

export interface LockState {
  period: string
  locked: boolean
  history: { action: string; by: string; at: string; reason?: string }[]
}

/** One change of a rectification item (rectification.md): who (the signed-in identity), when, what. */
export interface ItemHistoryEntry {
  at: string
  by: string
  action: 'opened' | 'responded' | 'closed' | 'reopened' | 'withdrawn' | 'recurring'
  text?: string
  file?: string
  reason?: string
}

/** A rectification item as GET /api/rectification/items lists it. */
export interface RectificationItem {
  item_id: string
  county: string
  source: 'red_flag' | 'data_quality' | 'inspection'
  problem: string
  opened_in: string
  indicator?: string
  villages?: string[]
  title?: string
  detail?: string
  due: string
  status: 'open' | 'responded' | 'closed' | 'withdrawn'
  recurring: boolean
  overdue: boolean
  history: ItemHistoryEntry[]
}

export interface LocalAccount {
  account: string
  role: string
  county?: string
  city?: string
  province?: string
  admin: boolean
}

export type { ValidationReport }

/** An answer of the API that is not 2xx: `{error:{code,message:{zh,en}}}`. */
export class ApiError extends Error {
  constructor(readonly status: number, readonly code: string, readonly text: Message) {
    super(`${status} ${code}: ${text.en}`)
    this.name = 'ApiError'
  }
}

/** The HTTP API of portal.md, with the bearer token of the signed-in user. */
export class Api {
  constructor(private readonly base: string, private readonly token: () => string | undefined) {}

  get<T>(path: string): Promise<T> {
    return this.request<T>('GET', path)
  }

  post<T>(path: string, body?: unknown): Promise<T> {
    return this.request<T>('POST', path, body)
  }

  /** A binary answer (templates), as a Blob. */
  async blob(path: string): Promise<Blob> {
    const res = await fetch(this.base + path, { headers: this.headers() })
    if (!res.ok) throw await errorOf(res)
    return res.blob()
  }

  private headers(json = false): Record<string, string> {
    const headers: Record<string, string> = {}
    const token = this.token()
    if (token) headers['Authorization'] = `Bearer ${token}`
    if (json) headers['Content-Type'] = 'application/json'
    return headers
  }

  private async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const init: RequestInit = { method, headers: this.headers(body !== undefined) }
    if (body !== undefined) init.body = JSON.stringify(body)
    const res = await fetch(this.base + path, init)
    if (!res.ok) throw await errorOf(res)
    return await res.json() as T
  }
}

async function errorOf(res: Response): Promise<ApiError> {
  try {
    const body = await res.json() as { error?: { code?: string; message?: Message } }
    if (body.error?.message) return new ApiError(res.status, body.error.code ?? String(res.status), body.error.message)
  } catch {
    // Not the API's JSON (a proxy's page): described by the status alone.
  }
  return new ApiError(res.status, String(res.status), { zh: `请求失败（HTTP ${res.status}）`, en: `the request failed (HTTP ${res.status})` })
}

/** Sends a file by presigned POST: the policy's fields first, the file last (S3's rule). */
export async function postToSlot(slot: UploadSlot, file: Blob, fileName: string): Promise<void> {
  const form = new FormData()
  for (const [k, v] of Object.entries(slot.fields)) form.append(k, v)
  form.append('file', file, fileName)
  const res = await fetch(slot.url, { method: 'POST', body: form })
  if (!res.ok) {
    throw new ApiError(res.status, 'upload_refused', { zh: `文件存储拒绝了上传（HTTP ${res.status}）`, en: `the file store refused the upload (HTTP ${res.status})` })
  }
}
