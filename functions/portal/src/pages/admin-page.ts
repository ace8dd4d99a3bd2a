import { postToSlot, type Api, type LockState, type Submission, type SubmissionList, type UploadSlot } from '../api.ts'
import { fill, h, table, uid } from '../dom.ts'
import { t } from '../i18n.ts'
import { problemText } from '../problem.ts'
import type { PageContext } from './page.ts'
import { verdictView } from './verdict-view.ts'

/** A file input and a send button for one kind of administrative upload (registry, targets). */
function adminUpload(api: Api, kind: 'registry' | 'targets', zh: string, en: string): HTMLElement {
  const id = uid(kind)
  const input = h('input', { id, type: 'file', accept: '.xlsx,.csv,.json' })
  const status = h('p', { class: 'status', role: 'status' })
  const verdict = h('div', { class: 'verdict-slot', 'aria-live': 'polite' })
  const button = h('button', { type: 'button', class: 'primary' }, t('上传', 'Upload'))
  button.addEventListener('click', () => {
    const file = input.files?.[0]
    if (!file) {
      fill(status, t('请先选择文件。', 'Choose a file first.'))
      return
    }
    button.disabled = true
    fill(status, t('正在上传…', 'Uploading…'))
    void api.post<UploadSlot>('/api/uploads', { kind, file_name: file.name, size: file.size })
      .then(async (slot) => {
        const before = new Set((await submissionsOf(api, slot.key)).map((x) => x.submission_id))
        fill(verdict)
        await postToSlot(slot, file, file.name)
        fill(status, t(`已上传到 ${slot.key}，等待系统审核…`, `Uploaded to ${slot.key}; waiting for the verdict…`))
        // Checked like any upload (rectification.md): the same verdict and report as a county's file.
        const started = Date.now()
        for (;;) {
          const done = (await submissionsOf(api, slot.key)).filter((x) => !before.has(x.submission_id) && ['accepted', 'rejected', 'superseded'].includes(x.status)).at(-1)
          if (done) {
            fill(status, t('系统审核完成。', 'The verdict is in.'))
            fill(verdict, await verdictView(api, done))
            return
          }
          if (Date.now() - started > POLL_MAX_MS) {
            fill(status, t('系统仍在审核，请稍后再上传查看。', 'Still being checked; look again later.'))
            return
          }
          await new Promise((resolve) => setTimeout(resolve, POLL_MS))
        }
      })
      .catch((e: unknown) => fill(status, problemText(e)))
      .finally(() => { button.disabled = false })
  })
  return h('div', { class: 'card' }, h('h2', {}, t(zh, en)), h('label', { for: id }, t('文件', 'File')), input, button, status, verdict)
}

const POLL_MS = 700
const POLL_MAX_MS = 180_000

async function submissionsOf(api: Api, key: string): Promise<Submission[]> {
  return (await api.get<SubmissionList>(`/api/uploads/submissions?key=${encodeURIComponent(key)}`)).submissions
}

/** Administration (portal.md, page 5): registry and targets uploads; run, publish and unlock with the lock history. */
export async function adminPage({ api, me, view }: PageContext): Promise<void> {
  const periodId = uid('period')
  const reasonId = uid('reason')
  const period = h('input', { id: periodId, pattern: '\\d{4}[Qq][1-4]', maxlength: 6, value: me.open_periods.at(-1) ?? '', autocomplete: 'off' })
  const reason = h('textarea', { id: reasonId, rows: 2, maxlength: 500 })
  const status = h('p', { class: 'status', role: 'status', 'aria-live': 'polite' })
  const lockView = h('div', { 'data-lock': true })

  const showLock = async () => {
    const lock = await api.get<LockState>(`/api/appraisals/${encodeURIComponent(period.value.toUpperCase())}/lock`)
    fill(lockView,
      h('p', {}, lock.locked ? h('span', { class: 'badge bad' }, t('已发布并锁定', 'published and locked')) : h('span', { class: 'badge ok' }, t('未锁定', 'not locked'))),
      lock.history.length === 0 ? h('p', { class: 'empty' }, t('暂无锁定记录。', 'No lock history.')) : table(t('锁定记录', 'Lock history'),
        [t('操作', 'Action'), t('操作人', 'By'), t('时间', 'At'), t('原因', 'Reason')],
        lock.history.map((e) => [e.action, e.by, e.at, e.reason ?? '—']), { 'data-lock-history': true }))
  }
  const act = (action: 'run' | 'publish' | 'unlock') => async () => {
    const at = period.value.toUpperCase()
    if (action === 'unlock' && reason.value.trim() === '') {
      fill(status, t('解锁必须填写原因。', 'Unlocking needs a reason.'))
      reason.focus()
      return
    }
    fill(status, t('正在处理…', 'Working…'))
    await api.post(`/api/appraisals/${encodeURIComponent(at)}/${action}`, action === 'unlock' ? { reason: reason.value.trim() } : {})
    fill(status, { run: t(`${at} 已完成考核计算。`, `${at} appraised.`), publish: t(`${at} 已发布并锁定。`, `${at} published and locked.`), unlock: t(`${at} 已解锁。`, `${at} unlocked.`) }[action])
    if (action === 'unlock') reason.value = ''
    await showLock()
  }
  const button = (action: 'run' | 'publish' | 'unlock', zh: string, en: string) => h('button', {
    type: 'button', class: action === 'unlock' ? 'danger' : 'primary', 'data-action': action,
    onclick: () => void act(action)().catch((e: unknown) => fill(status, problemText(e))),
  }, t(zh, en))

  if (!me.admin) {
    // A city official: the targets of the city's counties, nothing else here.
    fill(view, h('h1', {}, t('管理', 'Administration')), h('div', { class: 'grid' }, adminUpload(api, 'targets', '目标值', 'Targets')))
    return
  }
  const periodForm = h('form', { class: 'filters' },
    h('div', {}, h('label', { for: periodId }, t('报告期', 'Quarter')), period),
    h('button', { type: 'submit' }, t('查看锁定状态', 'Show lock')))
  periodForm.addEventListener('submit', (event) => {
    event.preventDefault()
    void showLock().catch((e: unknown) => fill(status, problemText(e)))
  })
  fill(view,
    h('h1', {}, t('管理', 'Administration')),
    h('div', { class: 'grid' },
      adminUpload(api, 'registry', '区划名册', 'Registry (org units)'),
      adminUpload(api, 'targets', '目标值', 'Targets')),
    h('section', { class: 'card' },
      h('h2', {}, t('考核计算、发布与解锁', 'Run, publish, unlock')),
      periodForm,
      h('div', { class: 'actions' }, button('run', '计算考核', 'Run'), button('publish', '发布并锁定', 'Publish')),
      h('label', { for: reasonId }, t('解锁原因（必填）', 'Reason to unlock (required)')), reason,
      h('div', { class: 'actions' }, button('unlock', '解锁', 'Unlock')),
      status, lockView))
  if (period.value) await showLock().catch((e: unknown) => fill(status, problemText(e)))
}
