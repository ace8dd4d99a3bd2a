import { postToSlot, type SubmissionList, type UploadSlot, type ValidationReport } from '../api.ts'
import { fill, h, uid } from '../dom.ts'
import { t } from '../i18n.ts'
import { problemText } from '../problem.ts'
import { findingsView } from './findings-view.ts'
import type { PageContext } from './page.ts'
import { verdictView } from './verdict-view.ts'

const POLL_MS = 700
const POLL_MAX_MS = 180_000

/**
 * Upload (portal.md, page 1): a clerk picks an open quarter and a file; the page checks it at once
 * with the pipeline's own validator (a chunk loaded only here), sends the original bytes by
 * presigned POST, then waits for the pipeline's verdict.
 */
export async function uploadPage({ api, me, view }: PageContext): Promise<void> {
  const county = me.county!
  const periodId = uid('period')
  const fileId = uid('file')
  const period = h('select', { id: periodId }, me.open_periods.map((p) => h('option', { value: p }, p)))
  const input = h('input', { id: fileId, type: 'file', accept: '.xlsx,.csv,.json', class: 'file-input' })
  const drop = h('div', { class: 'drop', 'data-drop': true },
    h('label', { for: fileId }, t('把文件拖到这里，或选择文件（XLSX、CSV、JSON）', 'Drop the file here, or choose it (XLSX, CSV, JSON)')), input)
  const status = h('p', { class: 'status', role: 'status', 'aria-live': 'polite' })
  const result = h('div', { class: 'result' })
  const send = h('button', { type: 'button', class: 'primary', disabled: true }, t('报送', 'Send'))
  const verdict = h('div', { class: 'verdict-slot', 'aria-live': 'polite' })
  let chosen: File | undefined

  fill(view,
    h('h1', {}, t('上传报表', 'Upload a file')),
    me.open_periods.length === 0
      ? h('p', { class: 'problem' }, t('目前没有开放报送的季度。', 'No quarter is open for uploads now.'))
      : h('div', { class: 'card' },
        h('p', {}, t(`县：${county}`, `County: ${county}`)),
        h('label', { for: periodId }, t('报告期（开放的季度）', 'Quarter (open quarters)')), period,
        drop,
        h('p', { class: 'note' }, t(
          '文件先在本机浏览器中用与服务器相同的规则检查；跨季度比较和花名册核对需要服务器上的历史数据，报送后由系统审核给出。有错误也可以报送，以系统审核结果为准。',
          'The file is checked here in your browser by the same rules the server runs; quarter-over-quarter and roster checks need the server\'s history and come with its verdict. A file with errors can still be sent: the server\'s verdict is the one that counts.')),
        status, result, send, verdict))

  const check = async (file: File): Promise<void> => {
    chosen = file
    send.disabled = true
    fill(verdict)
    fill(result)
    fill(status, t(`正在检查「${file.name}」…`, `Checking "${file.name}"…`))
    const bytes = new Uint8Array(await file.arrayBuffer())
    const { checkInBrowser } = await import('../check/browser-check.ts')
    const report: ValidationReport = await checkInBrowser({ bytes, fileName: file.name, key: `uploads/${county}/${period.value}/${file.name}`, receivedAt: new Date() })
    fill(status, t(`「${file.name}」在浏览器中检查完毕。`, `"${file.name}" checked in the browser.`))
    fill(result, findingsView(report, t('浏览器检查发现的问题', 'Findings of the check in the browser')))
    send.disabled = false
  }

  input.addEventListener('change', () => {
    const file = input.files?.[0]
    if (file) void check(file).catch((e: unknown) => fill(status, problemText(e)))
  })
  period.addEventListener('change', () => {
    if (chosen) void check(chosen).catch((e: unknown) => fill(status, problemText(e)))
  })
  drop.addEventListener('dragover', (event) => {
    event.preventDefault()
    drop.classList.add('over')
  })
  drop.addEventListener('dragleave', () => drop.classList.remove('over'))
  drop.addEventListener('drop', (event) => {
    event.preventDefault()
    drop.classList.remove('over')
    const file = event.dataTransfer?.files[0]
    if (file) void check(file).catch((e: unknown) => fill(status, problemText(e)))
  })
  send.addEventListener('click', () => {
    if (!chosen) return
    send.disabled = true
    void sendFile(chosen).catch((e: unknown) => {
      fill(status, problemText(e))
      send.disabled = false
    })
  })

  const sendFile = async (file: File): Promise<void> => {
    const at = period.value
    const listPath = `/api/submissions?county=${county}&period=${at}`
    const before = new Set((await api.get<SubmissionList>(listPath)).submissions.map((s) => s.submission_id))
    fill(status, t('正在上传…', 'Uploading…'))
    const slot = await api.post<UploadSlot>('/api/uploads', { kind: 'upload', county, period: at, file_name: file.name, size: file.size })
    await postToSlot(slot, file, file.name)
    fill(status, t('已上传，等待系统审核…', 'Sent; waiting for the verdict…'))
    const started = Date.now()
    for (;;) {
      const list = await api.get<SubmissionList>(listPath)
      const mine = list.submissions.filter((s) => !before.has(s.submission_id) && s.object_key === slot.key)
      const done = mine.at(-1)
      if (done && (done.status === 'accepted' || done.status === 'rejected' || done.status === 'superseded')) {
        fill(status, t('系统审核完成。', 'The verdict is in.'))
        fill(verdict, await verdictView(api, done))
        return
      }
      if (Date.now() - started > POLL_MAX_MS) {
        fill(status, t('系统仍在审核，请稍后在“报送记录”中查看。', 'Still being checked: see Submissions later.'))
        return
      }
      await new Promise((resolve) => setTimeout(resolve, POLL_MS))
    }
  }
}
