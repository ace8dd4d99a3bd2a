import { isResidentId } from './resident-id.ts'

/**
 * `id_number_misplaced` (contract/validation.md): a cell whose trimmed value is, or holds
 * between non-digits, an 18-character resident ID number: a province code, a birth date from
 * 1900-01-01 to the day received, and the GB 11643 check digit.
 */

/** Province codes of resident ID numbers (validation.md). */
const PROVINCES = new Set([
  11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37,
  41, 42, 43, 44, 45, 46, 50, 51, 52, 53, 54, 61, 62, 63, 64, 65,
])

const CANDIDATE_RE = /(?<![0-9])[0-9]{17}[0-9Xx](?![0-9])/g
const DIGITS_18_RE = /[0-9]{17}/

/** `YYYYMMDD` of an instant in Asia/Shanghai: the latest birth date an ID number may carry. */
export function shanghaiDate(at: Date): number {
  const local = new Date(at.getTime() + 8 * 3_600_000)
  return local.getUTCFullYear() * 10_000 + (local.getUTCMonth() + 1) * 100 + local.getUTCDate()
}

function realDate(yyyymmdd: string, latest: number): boolean {
  const n = Number(yyyymmdd)
  if (n < 19_000_101 || n > latest) return false
  const year = Math.floor(n / 10_000)
  const month = Math.floor(n / 100) % 100
  const day = n % 100
  const d = new Date(Date.UTC(year, month - 1, day))
  return d.getUTCFullYear() === year && d.getUTCMonth() === month - 1 && d.getUTCDate() === day
}

/** True when 18 characters are a resident ID number born on or before `latest` (YYYYMMDD). */
export function isPlausibleId(candidate: string, latest: number): boolean {
  const id = candidate.toUpperCase()
  return PROVINCES.has(Number(id.slice(0, 2))) && realDate(id.slice(6, 14), latest) && isResidentId(id)
}

/** True when the text is, or holds between non-digits, a resident ID number (validation.md). */
export function holdsMisplacedId(text: string, latest: number): boolean {
  if (text.length < 18) return false
  // Full-width digits (Excel in Chinese input modes) are digits too.
  const normalised = /[\uFF10-\uFF19\uFF38\uFF58]/.test(text) ? text.normalize('NFKC') : text
  if (!DIGITS_18_RE.test(normalised)) return false
  for (const m of normalised.trim().matchAll(CANDIDATE_RE)) if (isPlausibleId(m[0], latest)) return true
  return false
}
