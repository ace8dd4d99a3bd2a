import { ApiError } from './api.ts'
import { m } from './i18n.ts'

/** What went wrong, for the person: the API's own bilingual message, else the error's text. */
export function problemText(error: unknown): string {
  if (error instanceof ApiError) return m(error.text)
  return error instanceof Error ? error.message : String(error)
}
