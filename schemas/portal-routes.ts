/**
 * The portal's HTTP API routes (contract/portal.md), defined once: the API Gateway routes of the
 * stack (infra/portal.ts) and the matcher of the handler (functions/core/portal/routes.ts) both
 * read this table. Paths in API Gateway's syntax.
 */
export const PORTAL_ROUTES = {
  me: ['GET', '/api/me'],
  uploadSlot: ['POST', '/api/uploads'],
  uploadVerdicts: ['GET', '/api/uploads/submissions'],
  submissions: ['GET', '/api/submissions'],
  submissionReport: ['GET', '/api/submissions/report'],
  file: ['GET', '/api/files'],
  appraisal: ['GET', '/api/appraisals/{period}'],
  countyHistory: ['GET', '/api/appraisals'],
  region: ['GET', '/api/regions/{code}/{period}'],
  lock: ['GET', '/api/appraisals/{period}/lock'],
  run: ['POST', '/api/appraisals/{period}/run'],
  publish: ['POST', '/api/appraisals/{period}/publish'],
  unlock: ['POST', '/api/appraisals/{period}/unlock'],
  template: ['GET', '/api/templates/{dataset}'],
  // Rectification items (contract/rectification.md): listed by place or quarter, one with its
  // history, opened and verified by officials, responded to by the county's clerk, whose evidence
  // goes to the lake by a presigned POST (the slot), never through the API.
  rectificationItems: ['GET', '/api/rectification/items'],
  rectificationItem: ['GET', '/api/rectification/items/{item_id}'],
  rectificationOpen: ['POST', '/api/rectification/items'],
  rectificationEvidenceSlot: ['POST', '/api/rectification/items/{item_id}/evidence'],
  rectificationRespond: ['POST', '/api/rectification/items/{item_id}/respond'],
  rectificationVerify: ['POST', '/api/rectification/items/{item_id}/verify'],
} as const satisfies Record<string, readonly ['GET' | 'POST', string]>

export const PORTAL_API_ROUTES: readonly (readonly ['GET' | 'POST', string])[] = Object.values(PORTAL_ROUTES)
