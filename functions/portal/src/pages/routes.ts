import type { Route } from './page.ts'
import { adminPage } from './admin-page.ts'
import { rectificationPage } from './rectification-page.ts'
import { submissionsPage } from './submissions-page.ts'
import { uploadPage } from './upload-page.ts'

/**
 * The pages of portal.md, in navigation order; the first one a role may use opens first. The charts
 * (ECharts) load with the appraisal page only, the validator with the upload page only.
 */
export const ROUTES: readonly Route[] = [
  { name: 'upload', zh: '上传', en: 'Upload', allowed: (me) => me.county !== undefined, render: uploadPage },
  { name: 'submissions', zh: '报送记录', en: 'Submissions', allowed: () => true, render: submissionsPage },
  { name: 'appraisal', zh: '考核结果', en: 'Appraisal', allowed: () => true, render: async (ctx) => (await import('./appraisal-page.ts')).appraisalPage(ctx) },
  { name: 'rectification', zh: '整改', en: 'Rectification', allowed: () => true, render: rectificationPage },
  // A city official uploads targets there too (portal.md).
  { name: 'admin', zh: '管理', en: 'Administration', allowed: (me) => me.admin || me.city !== undefined, render: adminPage },
]
