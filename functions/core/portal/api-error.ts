import { PipelineError } from '../errors.ts'

/** The statuses the portal's API answers with when it refuses (contract/portal.md). */
export type ApiStatus = 400 | 401 | 403 | 404 | 409

/**
 * A request the API refuses: the client's doing, not a failure of ours. It becomes
 * `{ error: { code, message: { zh, en } } }` with its status at the handler's boundary;
 * anything else thrown is a bug or an outage and reaches Lambda as an error.
 */
export class ApiError extends PipelineError {
  /** Set where the route is known, for the refusal's log line (never who asked). */
  route?: string
  role?: string

  constructor(readonly status: ApiStatus, readonly code: string, readonly text: { zh: string; en: string }, options?: ErrorOptions) {
    super(`${status} ${code}: ${text.en}`, options)
  }

  get body(): { error: { code: string; message: { zh: string; en: string } } } {
    return { error: { code: this.code, message: this.text } }
  }
}

export const apiErrors = {
  unauthenticated: () => new ApiError(401, 'unauthenticated', { zh: '请先登录', en: 'Sign in first' }),
  noScope: (why: string) => new ApiError(403, 'no_scope', { zh: '您的账号未分配县、市或省的权限', en: `Your account has no county, city or province assigned (${why})` }),
  outOfScope: () => new ApiError(403, 'out_of_scope', { zh: '超出您的权限范围', en: 'Outside your scope' }),
  adminOnly: () => new ApiError(403, 'admin_only', { zh: '仅省级管理员可执行此操作', en: 'Only a province administrator may do this' }),
  notFound: (what: { zh: string; en: string } = { zh: '未找到', en: 'Not found' }) => new ApiError(404, 'not_found', what),
  badRequest: (code: string, text: { zh: string; en: string }) => new ApiError(400, code, text),
  conflict: (code: string, text: { zh: string; en: string }) => new ApiError(409, code, text),
}
