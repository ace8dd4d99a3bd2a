import { createHash } from 'node:crypto'
import type { Quarter } from './period.ts'

export { parseUploadKey, type UploadPlace } from './upload-place.ts'

/**
 * S3 event keys are URL-encoded with `+` for spaces; the embedded emulator sends them raw.
 * An undecodable key is kept as it is and will be refused as wrong_place.
 */
export function decodeEventKey(key: string): string {
  try {
    return decodeURIComponent(key.replace(/\+/g, ' '))
  } catch {
    return key
  }
}

/**
 * A submission id that sorts by the time S3 received the object and is the same for every
 * delivery of one object version (so duplicates collapse onto one record).
 */
export function submissionId(receivedAt: Date, bucket: string, key: string, version: string): string {
  const stamp = receivedAt.toISOString().replace(/[-:]/g, '').replace('.', '')
  const hash = createHash('sha256').update(`${bucket}\n${key}\n${version}`).digest('hex').slice(0, 16)
  return `${stamp}-${hash}`
}

/** Orders uploads: the time received, then the S3 sequencer (hex, compared at equal length). */
export function orderKey(receivedAt: Date, sequencer: string): string {
  return `${receivedAt.toISOString()}#${sequencer.toUpperCase().padStart(32, '0')}`
}

export const lakeKeys = {
  curated: (dataset: string, q: Quarter, county: string) => `curated/${dataset}/year=${q.year}/quarter=${q.quarter}/${county}.parquet`,
  registry: (province: string) => `curated/org_units/${province}.parquet`,
  /** The accepted targets of one year and uploader scope (2-digit province or 4-digit city). */
  targets: (year: number, scope: string) => `curated/targets/${year}/${scope}.parquet`,
  staged: (dataset: string, county: string, period: string, id: string, part = '') => `staging/${dataset}/${county}/${period}/${id}${part}.parquet`,
  report: (county: string, period: string, id: string, ext: 'json' | 'csv' | 'xlsx') =>
    county === 'registry' || county === 'targets' ? `reports/${county}/${id}.${ext}` : `reports/submissions/${county}/${period}/${id}.${ext}`,
  raw: (county: string, period: string, submissionId: string, fileName: string) => {
    const ext = /\.([A-Za-z0-9]{1,8})$/.exec(fileName)?.[1]?.toLowerCase()
    return `raw/${county}/${period}/${submissionId}${ext ? `.${ext}` : ''}`
  },
  appraisal: (q: Quarter) => `analytics/county_appraisals/year=${q.year}/quarter=${q.quarter}/data.parquet`,
  regionIndicators: (q: Quarter) => `analytics/region_indicators/year=${q.year}/quarter=${q.quarter}/data.parquet`,
  rectifications: (q: Quarter) => `analytics/rectifications/year=${q.year}/quarter=${q.quarter}/data.parquet`,
  appraisalReport: (period: string) => `reports/appraisals/${period}/index.html`,
}
