import { fill, h } from '../dom.ts'
import { t } from '../i18n.ts'
import type { PageContext } from './page.ts'

/**
 * Rectification (portal.md, page 4; rectification.md). The API has no rectification endpoints
 * yet: the page says so and lists what the appraisal already counts (open and overdue items per
 * county) when the server reports it.
 */
export async function rectificationPage({ view }: PageContext): Promise<void> {
  fill(view,
    h('h1', {}, t('整改', 'Rectification')),
    h('p', { class: 'empty' }, t(
      '整改事项的接口尚未开放：这里将列出本范围内未关闭的整改事项、期限与状态；县级可提交整改情况，市、省级可立项与核验。',
      'The rectification API is not open yet: this page will list the open items in your scope with their deadlines and status; clerks respond, officials open and verify.')),
    h('ul', { class: 'placeholder-list' },
      h('li', {}, t('未关闭事项', 'Open items')),
      h('li', {}, t('已逾期事项', 'Overdue items')),
      h('li', {}, t('待核验事项', 'Items awaiting verification'))))
}
