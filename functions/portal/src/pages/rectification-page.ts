import { postToSlot, type Api, type Me, type RectificationItem, type UploadSlot } from '../api.ts'
import { EVIDENCE_CONTENT_TYPES, EVIDENCE_MAX_BYTES, evidenceKind } from '../../../core/rectification/evidence.ts'
import { isoDate, quarterLastDay, SHANGHAI_OFFSET_MS, type Quarter } from '../../../core/period.ts'
import { fill, h, table, uid } from '../dom.ts'
import { t } from '../i18n.ts'
import { problemText } from '../problem.ts'
import type { PageContext } from './page.ts'

/**
 * Rectification (portal.md, page 4; rectification.md): the items of the caller's scope with their
 * deadlines and status, one item with its history; the county's clerk responds (text and an
 * optional evidence file, checked here before it is sent), officials open inspection items and
 * verify (close, or reopen with the reason). The server decides every permission again.
 */

const STATUS: Record<RectificationItem['status'], [string, string]> = {
  open: ['待整改', 'open'], responded: ['已答复', 'responded'], closed: ['已关闭', 'closed'], withdrawn: ['已撤销', 'withdrawn'],
}
const PROBLEM: Record<string, [string, string]> = {
  red_flag: ['红线指标', 'red flag'], no_data: ['无数据', 'no data'], not_appraisable: ['无法考核', 'not appraisable'],
  missing: ['未报送', 'missing'], late: ['逾期报送', 'late'], inspection: ['督查发现', 'inspection'],
}
const ACTION: Record<string, [string, string]> = {
  opened: ['立项', 'opened'], responded: ['答复', 'responded'], closed: ['核验关闭', 'closed'], reopened: ['重新打开', 'reopened'],
  withdrawn: ['撤销', 'withdrawn'], recurring: ['回头看仍存在', 'recurring'],
}
const label = (pair: [string, string] | undefined, fallback: string) => (pair ? t(pair[0], pair[1]) : fallback)

/** The default due day (rectification.md): the last day of the quarter after today's, Asia/Shanghai. */
export function defaultDueDay(now: Date): string {
  const local = new Date(now.getTime() + SHANGHAI_OFFSET_MS)
  const q: Quarter = { year: local.getUTCFullYear(), quarter: (Math.floor(local.getUTCMonth() / 3) + 1) as Quarter['quarter'] }
  const next: Quarter = q.quarter === 4 ? { year: q.year + 1, quarter: 1 } : { year: q.year, quarter: (q.quarter + 1) as Quarter['quarter'] }
  return isoDate(quarterLastDay(next))
}

/** The region the caller oversees (a city's 4 or a province's 2 digits), when they open and verify. */
function officialPrefix(me: Me): string | undefined {
  if (me.county) return undefined
  if (me.city) return me.city
  return me.admin ? me.province : undefined
}

function what(item: RectificationItem): string {
  if (item.source === 'inspection') return item.title ?? ''
  return [label(PROBLEM[item.problem], item.problem), item.indicator, item.villages?.join(' ')].filter(Boolean).join('：')
}

function statusCell(item: RectificationItem): HTMLElement {
  return h('span', {}, label(STATUS[item.status], item.status),
    item.overdue ? h('span', { class: 'badge bad', 'data-overdue': true }, t('已逾期', 'overdue')) : null,
    item.recurring ? h('span', { class: 'badge bad', 'data-recurring': true }, t('反复出现', 'recurring')) : null)
}

export async function rectificationPage({ api, me, view }: PageContext): Promise<void> {
  const filterId = uid('status')
  const filter = h('select', { id: filterId },
    h('option', { value: 'unclosed' }, t('未关闭（待整改和已答复）', 'Not closed (open and responded)')),
    (['open', 'responded', 'closed', 'withdrawn'] as const).map((s) => h('option', { value: s }, label(STATUS[s], s))),
    h('option', { value: 'all' }, t('全部', 'All')))
  const status = h('p', { class: 'status', role: 'status', 'aria-live': 'polite' })
  const list = h('div', { 'data-item-list': true })
  const detail = h('section', { class: 'card', 'data-item-detail': true, hidden: true, tabindex: -1, 'aria-label': t('整改事项详情', 'Item details') })
  const prefix = officialPrefix(me)

  const showList = async () => {
    fill(status, t('正在读取…', 'Loading…'))
    const chosen = filter.value
    const query = chosen === 'unclosed' || chosen === 'all' ? '' : `?status=${chosen}`
    const { items } = await api.get<{ items: RectificationItem[] }>(`/api/rectification/items${query}`)
    const shown = chosen === 'unclosed' ? items.filter((i) => i.status === 'open' || i.status === 'responded') : items
    shown.sort((a, b) => (a.due === b.due ? a.county.localeCompare(b.county) : a.due.localeCompare(b.due)))
    fill(status, t(`共 ${shown.length} 项，按期限排序`, `${shown.length} items, by due date`))
    fill(list, shown.length === 0 ? h('p', { class: 'empty' }, t('没有符合条件的整改事项。', 'No items match.')) : table(t('整改事项', 'Rectification items'),
      [t('县', 'County'), t('问题', 'Problem'), t('立项季度', 'Opened in'), t('整改期限', 'Due'), t('状态', 'Status'), t('详情', 'Details')],
      shown.map((i) => [i.county, what(i), i.opened_in, i.due, statusCell(i),
        h('button', { type: 'button', class: 'link', 'data-item': i.item_id, 'aria-label': t(`查看 ${i.county} ${what(i)}`, `Open ${i.county} ${what(i)}`), onclick: () => void showItem(i.item_id).catch(problem) }, t('查看', 'Open'))]),
      { 'data-items': true }))
  }
  const problem = (e: unknown) => fill(status, problemText(e))

  const showItem = async (id: string) => {
    const item = await api.get<RectificationItem>(`/api/rectification/items/${encodeURIComponent(id)}`)
    const changed = async (message: string) => {
      fill(status, message)
      await showList()
      await showItem(id)
    }
    fill(detail,
      h('h2', {}, `${item.county} · ${what(item)}`),
      h('dl', { class: 'facts' },
        h('dt', {}, t('来源', 'Source')), h('dd', {}, label(PROBLEM[item.problem], item.problem)),
        item.detail ? [h('dt', {}, t('情况', 'Detail')), h('dd', {}, item.detail)] : null,
        h('dt', {}, t('立项季度', 'Opened in')), h('dd', {}, item.opened_in),
        h('dt', {}, t('整改期限', 'Due')), h('dd', {}, item.due),
        h('dt', {}, t('状态', 'Status')), h('dd', { 'data-item-status': item.status }, statusCell(item))),
      historyTable(api, item, problem),
      me.county === item.county && (item.status === 'open' || item.status === 'responded') ? respondForm(api, item, changed, problem) : null,
      prefix && item.county.startsWith(prefix) ? verifyForm(api, item, changed, problem) : null)
    detail.hidden = false
    detail.focus()
  }

  filter.addEventListener('change', () => void showList().catch(problem))
  fill(view,
    h('h1', {}, t('整改', 'Rectification')),
    h('div', { class: 'card filters' }, h('div', {}, h('label', { for: filterId }, t('状态', 'Status')), filter)),
    prefix ? openForm(api, prefix, async (id) => { await showList(); await showItem(id) }, problem) : null,
    status, list, detail)
  await showList().catch(problem)
}

function historyTable(api: Api, item: RectificationItem, problem: (e: unknown) => void): HTMLElement {
  const download = async (key: string) => {
    const { url } = await api.get<{ url: string }>(`/api/files?key=${encodeURIComponent(key)}`)
    const a = h('a', { href: url, download: key.split('/').pop() ?? 'evidence', rel: 'noopener' })
    document.body.append(a)
    a.click()
    a.remove()
  }
  return table(t('处理记录', 'History'), [t('时间', 'At'), t('操作', 'Action'), t('操作人', 'By'), t('内容', 'What')],
    item.history.map((e) => [
      e.at.replace('T', ' ').slice(0, 16),
      label(ACTION[e.action], e.action),
      e.by,
      h('span', {}, e.text ?? '', e.reason ? t(`原因：${e.reason}`, `Reason: ${e.reason}`) : '',
        e.file ? h('button', { type: 'button', class: 'link', 'data-evidence': e.file, onclick: () => void download(e.file!).catch(problem) }, t(`佐证：${e.file.split('/').pop() ?? ''}`, `Evidence: ${e.file.split('/').pop() ?? ''}`)) : null),
    ]), { 'data-history': true })
}

/** Officials open an inspection item: a county of their scope, title, detail, due day. */
function openForm(api: Api, prefix: string, opened: (id: string) => Promise<void>, problem: (e: unknown) => void): HTMLElement {
  const ids = { county: uid('county'), title: uid('title'), detail: uid('detail'), due: uid('due') }
  const county = h('input', { id: ids.county, inputmode: 'numeric', pattern: `${prefix}\\d{${6 - prefix.length}}`, maxlength: 6, value: prefix, autocomplete: 'off', required: true })
  const title = h('input', { id: ids.title, maxlength: 200, required: true, autocomplete: 'off' })
  const detail = h('textarea', { id: ids.detail, rows: 2, maxlength: 2000 })
  const due = h('input', { id: ids.due, type: 'date', value: defaultDueDay(new Date()), required: true })
  const status = h('p', { class: 'status', role: 'status' })
  const form = h('form', { class: 'card', 'data-open-form': true },
    h('h2', {}, t('督查立项', 'Open an inspection item')),
    h('label', { for: ids.county }, t(`县代码（${prefix} 开头的 6 位）`, `County code (6 digits starting ${prefix})`)), county,
    h('label', { for: ids.title }, t('发现的问题（必填）', 'What was found (required)')), title,
    h('label', { for: ids.detail }, t('具体情况', 'Detail')), detail,
    h('label', { for: ids.due }, t('整改期限（默认下季度最后一天）', 'Due (default: last day of next quarter)')), due,
    h('button', { type: 'submit', class: 'primary' }, t('立项', 'Open item')), status)
  form.addEventListener('submit', (event) => {
    event.preventDefault()
    if (!new RegExp(`^${prefix}\\d{${6 - prefix.length}}$`).test(county.value)) return fill(status, t(`县代码须为 ${prefix} 开头的 6 位数字。`, `The county code has 6 digits and starts ${prefix}.`))
    if (!title.value.trim()) return fill(status, t('请填写发现的问题。', 'Say what was found.'))
    void api.post<RectificationItem>('/api/rectification/items', { county: county.value, title: title.value.trim(), ...(detail.value.trim() ? { detail: detail.value.trim() } : {}), due: due.value })
      .then(async (item) => {
        fill(status, t(`已立项，期限 ${item.due}。`, `Opened, due ${item.due}.`))
        title.value = ''
        detail.value = ''
        await opened(item.item_id)
      })
      .catch((e: unknown) => { fill(status, problemText(e)); problem(e) })
  })
  return form
}

/** The county's clerk responds: text, and optionally a PDF, image or XLSX of at most 20 MB, checked here first. */
function respondForm(api: Api, item: RectificationItem, changed: (message: string) => Promise<void>, problem: (e: unknown) => void): HTMLElement {
  const ids = { text: uid('answer'), file: uid('evidence') }
  const text = h('textarea', { id: ids.text, rows: 3, maxlength: 5000, required: true })
  const file = h('input', { id: ids.file, type: 'file', accept: '.pdf,.png,.jpg,.jpeg,.gif,.webp,.xlsx,application/pdf,image/*' })
  const status = h('p', { class: 'status', role: 'status' })
  const send = h('button', { type: 'submit', class: 'primary' }, t('提交整改情况', 'Send the response'))
  const form = h('form', { class: 'card', 'data-respond-form': true },
    h('h3', {}, t('答复整改情况', 'Respond')),
    h('label', { for: ids.text }, t('整改情况（必填）', 'What was done (required)')), text,
    h('label', { for: ids.file }, t('佐证材料（可选：PDF、图片或 XLSX，不超过 20 MB）', 'Evidence (optional: PDF, image or XLSX, at most 20 MB)')), file,
    send, status)
  form.addEventListener('submit', (event) => {
    event.preventDefault()
    if (!text.value.trim()) return fill(status, t('请填写整改情况。', 'Say what was done.'))
    send.disabled = true
    void respond(api, item, text.value.trim(), file.files?.[0], (m) => fill(status, m))
      .then(async (sent) => { if (sent) await changed(t('已提交答复。', 'Response sent.')) })
      .catch((e: unknown) => { fill(status, problemText(e)); problem(e) })
      .finally(() => { send.disabled = false })
  })
  return form
}

/** Checks the evidence in the browser (size, then kind by content), sends it by its slot, then the response. */
async function respond(api: Api, item: RectificationItem, text: string, evidence: File | undefined, say: (m: string) => void): Promise<boolean> {
  let key: string | undefined
  if (evidence) {
    if (evidence.size > EVIDENCE_MAX_BYTES) {
      say(t(`「${evidence.name}」超过 20 MB，不能上传。`, `"${evidence.name}" is over 20 MB.`))
      return false
    }
    const kind = evidenceKind(new Uint8Array(await evidence.slice(0, Math.min(evidence.size, EVIDENCE_MAX_BYTES)).arrayBuffer()))
    if (!kind) {
      say(t(`「${evidence.name}」不是 PDF、图片（PNG、JPEG、GIF、WebP）或 XLSX。`, `"${evidence.name}" is not a PDF, an image (PNG, JPEG, GIF, WebP) or an XLSX workbook.`))
      return false
    }
    say(t('正在上传佐证材料…', 'Uploading the evidence…'))
    const contentType = EVIDENCE_CONTENT_TYPES[kind]
    const slot = await api.post<UploadSlot>(`/api/rectification/items/${encodeURIComponent(item.item_id)}/evidence`, { file_name: evidence.name, size: evidence.size, content_type: contentType })
    await postToSlot(slot, new Blob([evidence], { type: contentType }), evidence.name)
    key = slot.key
  }
  await api.post(`/api/rectification/items/${encodeURIComponent(item.item_id)}/respond`, { text, ...(key ? { file: key } : {}) })
  return true
}

/** Officials verify: close a responded item, or reopen it (or a closed one) with the reason. */
function verifyForm(api: Api, item: RectificationItem, changed: (message: string) => Promise<void>, problem: (e: unknown) => void): HTMLElement | null {
  const canClose = item.status === 'responded' && item.source !== 'red_flag'
  const canReopen = item.status === 'responded' || item.status === 'closed'
  if (!canClose && !canReopen) return null
  const reasonId = uid('reason')
  const reason = h('textarea', { id: reasonId, rows: 2, maxlength: 2000 })
  const status = h('p', { class: 'status', role: 'status' })
  const act = (action: 'close' | 'reopen') => {
    if (action === 'reopen' && !reason.value.trim()) {
      fill(status, t('重新打开必须填写原因。', 'Reopening needs the reason.'))
      reason.focus()
      return
    }
    void api.post(`/api/rectification/items/${encodeURIComponent(item.item_id)}/verify`, action === 'close' ? { action } : { action, reason: reason.value.trim() })
      .then(() => changed(action === 'close' ? t('已核验并关闭。', 'Verified and closed.') : t('已重新打开。', 'Reopened.')))
      .catch((e: unknown) => { fill(status, problemText(e)); problem(e) })
  }
  return h('div', { class: 'card', 'data-verify-form': true },
    h('h3', {}, t('核验', 'Verify')),
    canClose ? h('div', { class: 'actions' }, h('button', { type: 'button', class: 'primary', 'data-verify': 'close', onclick: () => act('close') }, t('核验通过并关闭', 'Verified: close'))) : null,
    canReopen ? [
      h('label', { for: reasonId }, t('重新打开的原因（必填）', 'Reason to reopen (required)')), reason,
      h('div', { class: 'actions' }, h('button', { type: 'button', class: 'danger', 'data-verify': 'reopen', onclick: () => act('reopen') }, t('重新打开', 'Reopen'))),
    ] : null,
    status)
}
