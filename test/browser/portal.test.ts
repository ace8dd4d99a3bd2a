import { existsSync, readFileSync } from 'node:fs'
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { extname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { chromium, type Browser, type BrowserContext, type Page, type Route } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { main } from '../../functions/cli/va.ts'
import { buildPortal, type PortalBuild } from '../../functions/portal/build-portal.ts'
import type { RectificationItem } from '../../functions/portal/src/api.ts'
import type { ValidationReport } from '../../schemas/findings.ts'
import { badVillageReportXlsx, CONTRACT_COUNTY, CONTRACT_PERIOD } from '../support/portal-fixtures.ts'
import { sampleReportInput } from '../unit/report/sample-report.ts'

/**
 * The portal page in Debian's chromium, headless, against its API as `page.route` fixtures that
 * follow the shapes of the API exactly (the server lives in another branch until it is merged).
 * Without chromium the test is skipped, and says so.
 */
const CHROMIUM = '/usr/bin/chromium'
const available = existsSync(CHROMIUM)
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-quic']
const BACKSTOP_MS = 600_000
const ORIGIN = 'http://portal.test'
/** The presigned POST's target: same origin, as `va serve` has it (`/s3`); CloudFront's CSP allows the bucket on AWS. */
const S3 = `${ORIGIN}/s3`
const ARTIFACTS = fileURLToPath(new URL('../.artifacts/', import.meta.url))
const RECEIVED_AT = '2023-07-05T10:00:00+08:00'
const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8')

if (!available) console.warn(`portal browser test SKIPPED: ${CHROMIUM} does not exist (apt-get install chromium; CI installs it)`)

let work: string
let built: PortalBuild
let browser: Browser
let xlsx: Uint8Array
/** What `va validate --json` says of the bad workbook, run in-process. */
let nodeReport: ValidationReport

async function vaValidate(file: string): Promise<ValidationReport> {
  const out: string[] = []
  const code = await main(['validate', file, '--county', CONTRACT_COUNTY, '--period', CONTRACT_PERIOD, '--received-at', RECEIVED_AT, '--json'], {
    out: (t) => void out.push(t), err: () => undefined, env: { VA_HOME: join(work, 'no-state') }, cwd: work, tty: false,
  })
  expect(code).toBe(1)
  return JSON.parse(out.join('')) as ValidationReport
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'va-portal-browser-'))
  built = await buildPortal({ outDir: join(work, 'dist') })
  xlsx = await badVillageReportXlsx()
  await writeFile(join(work, 'bad.xlsx'), xlsx)
  nodeReport = await vaValidate(join(work, 'bad.xlsx'))
  if (available) browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ARGS, timeout: 0 })
}, BACKSTOP_MS)

afterAll(async () => {
  await browser?.close()
  if (work) await rm(work, { recursive: true, force: true })
}, BACKSTOP_MS)

const TYPES: Record<string, string> = { '.js': 'text/javascript', '.css': 'text/css', '.html': 'text/html; charset=utf-8', '.json': 'application/json' }

type Role = 'clerk' | 'city' | 'admin'
const ACCOUNTS = [
  { account: 'clerk-511921', role: 'county_clerk', county: CONTRACT_COUNTY, admin: false },
  { account: 'city-5119', role: 'city_official', city: '5119', admin: false },
  { account: 'province-admin', role: 'province_admin', province: '51', admin: true },
]
const ME: Record<Role, object> = {
  clerk: { subject: 'clerk-511921', name: '县级填报员', county: CONTRACT_COUNTY, admin: false, open_periods: [CONTRACT_PERIOD] },
  city: { subject: 'city-5119', name: '市级', city: '5119', admin: false, open_periods: [CONTRACT_PERIOD] },
  admin: { subject: 'province-admin', name: '省级管理员', province: '51', admin: true, open_periods: [CONTRACT_PERIOD] },
}

/** The appraisal as `va appraisal --json` gives it, from the report's sample counties. */
function appraisalJson(period: string) {
  const input = sampleReportInput()
  return {
    period,
    config: input.config,
    counties: input.counties.map((c) => ({
      county: c.county, name: c.name, city: c.city, province: c.province, indicators: c.indicators, score: c.score, grade: c.grade,
      rank_in_city: c.rank_in_city, rank_in_province: c.rank_in_province, red_flags: c.red_flags, breakdown: c.breakdown, no_data: c.no_data ?? [],
    })),
    missing_counties: input.missingCounties,
    not_appraisable: [],
  }
}

/** Items as the API lists them: the page's own type of them. */
type FixtureItem = RectificationItem

interface Fixture {
  role: Role
  /** Submissions the server holds (the upload adds one, rejected). */
  submissions: object[]
  lock: { period: string; locked: boolean; history: { action: string; by: string; at: string; reason?: string }[] }
  requests: string[]
  /** Rectification items of county 511921 (rectification.md), as GET /api/rectification/items lists them. */
  items: FixtureItem[]
  /** The bodies the page posted to S3 (evidence), by key. */
  posted: { url: string; body: Buffer }[]
}

const INSPECTION = '511921-0123456789ab'
const RED_FLAG = '511921-abcdef012345'
const RESPONDED = '511921-fedcba987654'

/** Three items of the contract's county: an overdue inspection, a recurring red flag, a responded data-quality item. */
function rectificationItems(): FixtureItem[] {
  return [
    {
      item_id: INSPECTION, county: CONTRACT_COUNTY, source: 'inspection', problem: 'inspection', opened_in: '2023Q2', title: '走访发现危房未改造', detail: '两户', due: '2023-09-30',
      status: 'open', recurring: false, overdue: true, history: [{ at: '2023-05-10T02:00:00.000Z', by: '市级 (city-5119)', action: 'opened', text: '两户' }],
    },
    {
      item_id: RED_FLAG, county: CONTRACT_COUNTY, source: 'red_flag', problem: 'red_flag', opened_in: '2023Q1', indicator: 'dropout_count', villages: ['511921105201'], due: '2023-06-30',
      status: 'open', recurring: true, overdue: true, history: [{ at: '2023-04-16T01:00:00.000Z', by: 'analyst', action: 'opened' }, { at: '2023-07-16T01:00:00.000Z', by: 'analyst', action: 'recurring' }],
    },
    {
      item_id: RESPONDED, county: CONTRACT_COUNTY, source: 'data_quality', problem: 'late', opened_in: '2023Q2', due: '2023-09-30', status: 'responded', recurring: false, overdue: false,
      history: [
        { at: '2023-07-16T01:00:00.000Z', by: 'analyst', action: 'opened' },
        { at: '2023-07-20T01:00:00.000Z', by: '县级填报员 (clerk-511921)', action: 'responded', text: '已补报', file: `rectification/${CONTRACT_COUNTY}/${RESPONDED}/补报说明.pdf` },
      ],
    },
  ]
}

/** The signed-in identity as the server records it in an item's history: name and subject. */
const recorded = (role: Role) => { const me = ME[role] as { name: string; subject: string }; return `${me.name} (${me.subject})` }

/** The page's files from the build, and the API of portal.md answered as the server would. */
async function routeAll(context: BrowserContext, fx: Fixture): Promise<void> {
  const json = (route: Route, body: unknown, status = 200) => route.fulfill({ status, contentType: 'application/json', body: JSON.stringify(body) })
  await context.route(`${S3}/**`, (route) => {
    fx.requests.push(`${route.request().method()} ${route.request().url()}`)
    if (route.request().method() === 'POST') {
      fx.posted.push({ url: route.request().url(), body: route.request().postDataBuffer() ?? Buffer.alloc(0) })
      fx.submissions.push({
        submission_id: '20230705T020000000Z-a', dataset: 'village_report', status: 'rejected', received_at: '2023-07-05T10:00:00+08:00',
        object_key: `uploads/${CONTRACT_COUNTY}/${CONTRACT_PERIOD}/bad.xlsx`, version_id: 'v1', uploaded_by: 'clerk-511921',
        rows: nodeReport.rows, counts: nodeReport.counts, report_key: `reports/submissions/${CONTRACT_COUNTY}/${CONTRACT_PERIOD}/20230705T020000000Z-a.json`, current: false,
      })
      return route.fulfill({ status: 204, headers: { 'access-control-allow-origin': ORIGIN } })
    }
    return route.fulfill({ status: 200, contentType: 'application/octet-stream', body: 'x' })
  })
  await context.route(`${ORIGIN}/**`, async (route) => {
    if (route.request().url().startsWith(`${S3}/`)) return route.fallback()
    const url = new URL(route.request().url())
    const method = route.request().method()
    const path = url.pathname
    fx.requests.push(`${method} ${path}${url.search}`)
    // The local portal's config: no OIDC issuer, the API on the same origin.
    if (path === '/config.json') return json(route, { api_base: '' })
    if (!path.startsWith('/api/')) {
      const file = join(built.outDir, path === '/' ? 'index.html' : path.slice(1))
      if (!existsSync(file)) return route.fulfill({ status: 404, body: 'not found' })
      return route.fulfill({ status: 200, contentType: TYPES[extname(file)] ?? 'application/octet-stream', body: await readFile(file) })
    }
    if (path === '/api/local/accounts') return json(route, ACCOUNTS)
    if (path === '/api/local/sign-in') return json(route, { token: `token-${fx.role}` })
    const auth = route.request().headers()['authorization']
    if (auth !== `Bearer token-${fx.role}`) return json(route, { error: { code: 'unauthorized', message: { zh: '请先登录', en: 'sign in first' } } }, 401)
    if (path === '/api/me') return json(route, ME[fx.role])
    if (path === '/api/uploads' && method === 'POST') {
      const body = route.request().postDataJSON() as { file_name: string }
      const key = `uploads/${CONTRACT_COUNTY}/${CONTRACT_PERIOD}/${body.file_name}`
      return json(route, { url: `${S3}/ingest`, fields: { key, Policy: 'p', 'X-Amz-Signature': 's' }, key, expires_at: '2030-01-01T00:00:00Z' })
    }
    if (path === '/api/submissions') return json(route, { county: url.searchParams.get('county'), period: url.searchParams.get('period'), submissions: fx.submissions })
    if (path === '/api/submissions/report') return json(route, nodeReport)
    if (path === '/api/files') return json(route, { url: `${S3}/lake/${url.searchParams.get('key')}?X-Amz-Signature=s` })
    if (path === `/api/appraisals/${CONTRACT_PERIOD}/lock`) return json(route, fx.lock)
    if (/^\/api\/appraisals\/\d{4}Q\d\/(run|publish|unlock)$/.test(path)) {
      const action = path.split('/').pop()!
      fx.lock.locked = action === 'publish' ? true : action === 'unlock' ? false : fx.lock.locked
      const body = route.request().postDataJSON() as { reason?: string } | null
      fx.lock.history.push({ action, by: 'province-admin', at: '2023-07-16T09:00:00+08:00', ...(body?.reason ? { reason: body.reason } : {}) })
      return json(route, { ok: true })
    }
    if (path === '/api/appraisals' && url.searchParams.get('county')) {
      const c = appraisalJson('2024Q2').counties.find((x) => x.county === url.searchParams.get('county'))
      return c ? json(route, { county: c.county, name: c.name, history: [{ ...c, period: '2024Q1' }, { ...c, period: '2024Q2' }] }) : json(route, { error: { code: 'not_found', message: { zh: '无', en: 'none' } } }, 404)
    }
    if (/^\/api\/appraisals\/\d{4}Q\d$/.test(path)) {
      const doc = appraisalJson(path.split('/').pop()!)
      const county = url.searchParams.get('county')
      return json(route, county ? { ...doc, counties: doc.counties.filter((c) => c.county === county) } : doc)
    }
    if (path.startsWith('/api/rectification/')) return rectificationRoute(route, fx, method, url)
    if (path.startsWith('/api/regions/')) return json(route, { region: path.split('/')[3], period: CONTRACT_PERIOD, indicators: { risk_elimination_rate: 0.61, monitored_households: 320 } })
    return json(route, { error: { code: 'not_found', message: { zh: '没有这个接口', en: 'no such endpoint' } } }, 404)
  })
}

/** The rectification routes of the API over the fixture's items, with the server's rules for who does what. */
function rectificationRoute(route: Route, fx: Fixture, method: string, url: URL) {
  const json = (body: unknown, status = 200) => route.fulfill({ status, contentType: 'application/json', body: JSON.stringify(body) })
  const refuse = (status: number, code: string) => json({ error: { code, message: { zh: '不允许', en: 'refused' } } }, status)
  const [, , , , id, action] = url.pathname.split('/')
  const body = method === 'POST' ? route.request().postDataJSON() as Record<string, string> : {}
  const at = '2023-08-01T02:00:00.000Z'
  if (!id) {
    if (method === 'GET') {
      const status = url.searchParams.get('status')
      return json({ items: fx.items.filter((i) => !status || i.status === status) })
    }
    if (fx.role === 'clerk') return refuse(403, 'not_allowed')
    const item: FixtureItem = {
      item_id: `${body['county']}-00000000000${fx.items.length}`, county: body['county']!, source: 'inspection', problem: 'inspection', opened_in: '2023Q3', title: body['title']!,
      ...(body['detail'] ? { detail: body['detail'] } : {}), due: body['due']!, status: 'open', recurring: false, overdue: false,
      history: [{ at, by: recorded(fx.role), action: 'opened', ...(body['detail'] ? { text: body['detail'] } : {}) }],
    }
    fx.items.push(item)
    return json(item)
  }
  const item = fx.items.find((i) => i.item_id === id)
  if (!item) return refuse(404, 'not_found')
  if (method === 'GET') return json(item)
  if (action === 'evidence') {
    if (fx.role !== 'clerk') return refuse(403, 'not_allowed')
    const key = `rectification/${item.county}/${item.item_id}/${body['file_name']}`
    return json({ url: `${S3}/lake`, fields: { key, 'Content-Type': body['content_type']!, Policy: 'p', 'X-Amz-Signature': 's' }, key, expires_at: '2030-01-01T00:00:00Z' })
  }
  if (action === 'respond') {
    if (fx.role !== 'clerk') return refuse(403, 'not_allowed')
    item.status = 'responded'
    item.history.push({ at, by: recorded(fx.role), action: 'responded', text: body['text']!, ...(body['file'] ? { file: body['file'] } : {}) })
    return json(item)
  }
  if (fx.role === 'clerk') return refuse(403, 'not_allowed')
  if (body['action'] === 'close') {
    if (item.status !== 'responded') return refuse(409, 'wrong_status')
    item.status = 'closed'
    item.history.push({ at, by: recorded(fx.role), action: 'closed' })
  } else {
    item.status = 'open'
    item.history.push({ at, by: recorded(fx.role), action: 'reopened', reason: body['reason']! })
  }
  return json(item)
}

interface Opened { context: BrowserContext; page: Page; fx: Fixture; problems: string[] }

async function signedIn(role: Role, width: number, options: { bypassCSP?: boolean } = {}): Promise<Opened> {
  const context = await browser.newContext({ viewport: { width, height: 800 }, bypassCSP: options.bypassCSP ?? false })
  // A step that waits this long has failed (a loaded machine is slow, not this slow).
  context.setDefaultTimeout(120_000)
  const fx: Fixture = { role, submissions: [], lock: { period: CONTRACT_PERIOD, locked: false, history: [] }, requests: [], items: rectificationItems(), posted: [] }
  await routeAll(context, fx)
  const page = await context.newPage()
  const problems: string[] = []
  page.on('console', (m) => { if (m.type() === 'error') problems.push(`console: ${m.text()}`) })
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`))
  page.on('response', (r) => { if (r.status() >= 400) problems.push(`HTTP ${r.status()}: ${r.url()}`) })
  await page.goto(`${ORIGIN}/`)
  await page.selectOption('select', ACCOUNTS.find((a) => a.account === (ME[role] as { subject: string }).subject)!.account)
  await page.getByRole('button', { name: '登录' }).click()
  await page.waitForSelector('nav')
  return { context, page, fx, problems }
}

const PAGES: Record<Role, string[]> = {
  clerk: ['upload', 'submissions', 'appraisal', 'rectification'],
  city: ['submissions', 'appraisal', 'rectification'],
  admin: ['submissions', 'appraisal', 'rectification', 'admin'],
}

/** Opens one item of the rectification page: its details, history and the forms of the role. */
async function openItem(page: Page, id: string): Promise<void> {
  await page.locator(`button[data-item="${id}"]`).click()
  await page.waitForSelector(`[data-item-detail]:not([hidden]) h2`)
  await settled(page)
}

/** Waits until a page has drawn what it loads (its status line stops saying "loading"). */
async function settled(page: Page): Promise<void> {
  await page.waitForSelector('main#main h1')
  await page.waitForFunction(() => {
    const text = (globalThis as unknown as { document: { body: { innerText: string } } }).document.body.innerText
    return !text.includes('正在读取') && !text.includes('Loading…')
  })
  await page.waitForTimeout(300)
}

describe('the portal build', () => {
  it('bundles the page for the browser with no node: module, within 300 KB of JavaScript gzipped, the validator in its own chunk', () => {
    const inputs = Object.entries(built.metafile.inputs)
    expect(inputs.filter(([path]) => path.startsWith('node:'))).toEqual([])
    expect(inputs.flatMap(([, i]) => i.imports.filter((x) => x.path.startsWith('node:') || x.external).map((x) => x.path))).toEqual([])
    expect(built.jsGzipBytes).toBeLessThanOrEqual(300 * 1024)
    const main = built.metafile.outputs[Object.keys(built.metafile.outputs).find((o) => o.endsWith('/main.js'))!]!
    expect(Object.keys(main.inputs).filter((i) => i.includes('core/validate') || i.includes('echarts'))).toEqual([])
    expect(built.checkChunk).toMatch(/^chunks\/browser-check-/)
  })
})

describe.skipIf(!available)('the portal in headless Chromium', () => {
  it('checks a file in the browser with exactly the findings of va validate --json', async () => {
    const context = await browser.newContext()
    context.setDefaultTimeout(120_000)
    const fx: Fixture = { role: 'clerk', submissions: [], lock: { period: CONTRACT_PERIOD, locked: false, history: [] }, requests: [], items: rectificationItems(), posted: [] }
    await routeAll(context, fx)
    const page = await context.newPage()
    await page.goto(`${ORIGIN}/index.html`)
    // As a string: the test's own transform must not touch the browser's dynamic import.
    const input = { bytes: Buffer.from(xlsx).toString('base64'), fileName: 'bad.xlsx', key: `uploads/${CONTRACT_COUNTY}/${CONTRACT_PERIOD}/bad.xlsx`, receivedAt: RECEIVED_AT }
    const report = await page.evaluate<ValidationReport>(`import('/${built.checkChunk}').then((mod) => {
      const i = ${JSON.stringify(input)}
      return mod.checkInBrowser({ bytes: Uint8Array.from(atob(i.bytes), (c) => c.charCodeAt(0)), fileName: i.fileName, key: i.key, receivedAt: new Date(i.receivedAt) })
    })`)
    expect(nodeReport.status).toBe('rejected')
    expect(nodeReport.findings.filter((f) => f.cell !== undefined).length).toBeGreaterThan(0)
    expect(report).toEqual(nodeReport)
    await context.close()
  }, BACKSTOP_MS)

  it('shows a clerk the findings of a bad XLSX with their cells before sending, then the rejection and the annotated workbook', async () => {
    const { context, page, fx, problems } = await signedIn('clerk', 1366)
    await page.setInputFiles('input[type=file]', { name: 'bad.xlsx', mimeType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', buffer: Buffer.from(xlsx) })
    await page.waitForSelector('table[data-findings]')
    const cells = await page.locator('table[data-findings] tbody tr td:nth-child(3)').allInnerTexts()
    const expected = nodeReport.findings.filter((f) => f.cell).map((f) => `${f.sheet}!${f.cell}`)
    for (const cell of expected) expect(cells).toContain(cell)
    await expect(page.locator('.fix').innerText()).resolves.toContain('如何修改')
    expect(fx.requests.filter((r) => r.startsWith('POST'))).toEqual(['POST /api/local/sign-in'])

    await mkdir(ARTIFACTS, { recursive: true })
    await page.screenshot({ path: join(ARTIFACTS, 'portal-upload-findings.png'), fullPage: true })
    await page.getByRole('button', { name: '报送' }).click()
    await page.waitForSelector('[data-verdict=rejected]')
    expect(fx.requests).toContain(`POST ${S3}/ingest`)
    await expect(page.getByRole('link', { name: '标注问题的工作簿' }).getAttribute('href')).resolves.toContain('.xlsx')
    await page.screenshot({ path: join(ARTIFACTS, 'portal-upload-verdict.png'), fullPage: true })
    expect(problems).toEqual([])
    await context.close()
  }, BACKSTOP_MS)

  it('lets a clerk upload by keyboard alone', async () => {
    const { context, page } = await signedIn('clerk', 1366)
    const focusOn = async (selector: string) => {
      for (let i = 0; i < 40; i++) {
        if (await page.locator(`${selector}:focus`).count() > 0) return
        await page.keyboard.press('Tab')
      }
      throw new Error(`Tab never reached ${selector}`)
    }
    // Playwright turns on file-chooser interception when a listener is added, and that reaches
    // the browser asynchronously: on a loaded machine the first Space can come before it and open
    // nothing, so Space is pressed again (the input keeps the focus) until the chooser is seen.
    const chosen = new Promise<void>((resolve) => page.once('filechooser', (c) => void c.setFiles({ name: 'bad.xlsx', mimeType: 'application/octet-stream', buffer: Buffer.from(xlsx) }).then(resolve)))
    await focusOn('input[type=file]')
    for (let attempt = 0; ; attempt++) {
      await page.keyboard.press('Space')
      if (await Promise.race([chosen.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 15_000))])) break
      if (attempt >= 5) throw new Error('Space on the focused file input never opened the file chooser')
      await focusOn('input[type=file]')
    }
    await page.waitForSelector('table[data-findings]')
    await focusOn('button.primary:not([disabled])')
    await page.keyboard.press('Enter')
    await page.waitForSelector('[data-verdict=rejected]')
    await context.close()
  }, BACKSTOP_MS)

  it('has no horizontal scroll at 390 px on any page, for every role; screenshots saved', async () => {
    const wide: string[] = []
    for (const role of ['clerk', 'city', 'admin'] as const) {
      const { context, page, problems } = await signedIn(role, 390)
      for (const name of PAGES[role]) {
        await page.goto(`${ORIGIN}/#/${name}`)
        await settled(page)
        if (name === 'appraisal') {
          await page.locator('button[data-county]').first().click()
          await page.waitForSelector('[data-county-detail]')
          await settled(page)
        }
        if (name === 'rectification') await openItem(page, role === 'clerk' ? INSPECTION : RESPONDED)
        const width = await page.evaluate(() => (globalThis as unknown as { document: { documentElement: { scrollWidth: number } } }).document.documentElement.scrollWidth)
        if (width > 390) wide.push(`${role} ${name}: ${width}px`)
        await page.screenshot({ path: join(ARTIFACTS, `portal-${name}-${role}-390.png`), fullPage: true })
      }
      expect(problems).toEqual([])
      await context.close()
    }
    expect(wide).toEqual([])
  }, BACKSTOP_MS)

  it('draws the appraisal with the report charts, and a province admin publishes and unlocks with a reason', async () => {
    const { context, page, fx, problems } = await signedIn('admin', 1366)
    await page.goto(`${ORIGIN}/#/appraisal`)
    await page.waitForSelector('.chart-scroll svg')
    await settled(page)
    expect(await page.locator('.chart-scroll svg').count()).toBeGreaterThanOrEqual(2)
    await page.screenshot({ path: join(ARTIFACTS, 'portal-appraisal.png'), fullPage: true })
    await page.goto(`${ORIGIN}/#/admin`)
    await settled(page)
    await page.locator('[data-action=publish]').click()
    await page.waitForSelector('[data-lock-history]')
    await page.locator('[data-action=unlock]').click()
    await expect(page.getByRole('status').last().innerText()).resolves.toContain('原因')
    await page.fill('textarea', '数据更正 correction')
    await page.locator('[data-action=unlock]').click()
    await expect.poll(() => page.locator('[data-lock-history]').innerText(), { timeout: 120_000 }).toContain('数据更正')
    expect(fx.lock.history.map((e) => [e.action, e.by, e.reason])).toEqual([['publish', 'province-admin', undefined], ['unlock', 'province-admin', '数据更正 correction']])
    await page.screenshot({ path: join(ARTIFACTS, 'portal-admin.png'), fullPage: true })
    expect(problems).toEqual([])
    await context.close()
  }, BACKSTOP_MS)

  it('shows a clerk the county\'s open items with due dates and marks; the clerk responds with text and a small PDF, and a file that is no PDF never leaves the browser', async () => {
    const { context, page, fx, problems } = await signedIn('clerk', 1366)
    await page.goto(`${ORIGIN}/#/rectification`)
    await settled(page)
    expect(await page.locator('[data-open-form]').count()).toBe(0)
    const rows = await page.locator('table[data-items] tbody tr').allInnerTexts()
    expect(rows).toHaveLength(3)
    // Sorted by due day: the red flag (2023-06-30) first.
    expect(rows[0]).toContain('红线指标')
    expect(rows[0]).toContain('反复出现')
    expect(rows.find((r) => r.includes('走访发现危房未改造'))).toContain('已逾期')
    expect(rows.find((r) => r.includes('走访发现危房未改造'))).toContain('2023-09-30')
    await page.selectOption('select', 'responded')
    await expect.poll(() => page.locator('table[data-items] tbody tr').count()).toBe(1)
    expect(fx.requests).toContain('GET /api/rectification/items?status=responded')
    await page.selectOption('select', 'unclosed')
    await expect.poll(() => page.locator('table[data-items] tbody tr').count()).toBe(3)

    await openItem(page, INSPECTION)
    expect(await page.locator('[data-verify-form]').count()).toBe(0)
    expect(await page.locator('[data-history] tbody tr').allInnerTexts()).toEqual([expect.stringContaining('市级 (city-5119)')])
    const form = page.locator('[data-respond-form]')
    await form.locator('textarea').fill('两户已完成改造')
    await form.locator('input[type=file]').setInputFiles({ name: 'fake.pdf', mimeType: 'application/pdf', buffer: Buffer.from('a,b\n1,2\n') })
    await form.getByRole('button', { name: '提交整改情况' }).click()
    await expect.poll(() => form.locator('[role=status]').innerText()).toContain('不是 PDF')
    expect(fx.requests.filter((r) => r.includes('/evidence') || r.includes('/respond'))).toEqual([])

    const pdf = '%PDF-1.4\n1 0 obj\n<<>>\nendobj\n%%EOF\n'
    await form.locator('input[type=file]').setInputFiles({ name: '整改照片.pdf', mimeType: 'application/pdf', buffer: Buffer.from(pdf) })
    await form.getByRole('button', { name: '提交整改情况' }).click()
    await page.waitForSelector('[data-item-status=responded]')
    expect(fx.requests.filter((r) => r.startsWith('POST') && !r.includes('sign-in'))).toEqual([
      `POST /api/rectification/items/${INSPECTION}/evidence`, `POST ${S3}/lake`, `POST /api/rectification/items/${INSPECTION}/respond`,
    ])
    expect(fx.posted).toHaveLength(1)
    const sent = fx.posted[0]!.body.toString('utf8')
    expect(sent).toContain(pdf)
    expect(sent).toContain('application/pdf')
    const item = fx.items.find((i) => i.item_id === INSPECTION)!
    expect(item.history.at(-1)).toEqual({ at: expect.any(String), by: '县级填报员 (clerk-511921)', action: 'responded', text: '两户已完成改造', file: `rectification/${CONTRACT_COUNTY}/${INSPECTION}/整改照片.pdf` })
    await expect(page.locator('[data-history]').innerText()).resolves.toContain('整改照片.pdf')
    await page.screenshot({ path: join(ARTIFACTS, 'portal-rectification-clerk.png'), fullPage: true })
    expect(problems).toEqual([])
    await context.close()
  }, BACKSTOP_MS)

  it('lets a clerk open an item and respond by keyboard alone', async () => {
    const { context, page, fx } = await signedIn('clerk', 1366)
    await page.goto(`${ORIGIN}/#/rectification`)
    await settled(page)
    const focusOn = async (selector: string) => {
      for (let i = 0; i < 60; i++) {
        if (await page.locator(`${selector}:focus`).count() > 0) return
        await page.keyboard.press('Tab')
      }
      throw new Error(`Tab never reached ${selector}`)
    }
    await focusOn(`button[data-item="${INSPECTION}"]`)
    await page.keyboard.press('Enter')
    await page.waitForSelector('[data-respond-form]')
    await focusOn('[data-respond-form] textarea')
    await page.keyboard.type('已整改')
    await focusOn('[data-respond-form] button[type=submit]')
    await page.keyboard.press('Enter')
    await page.waitForSelector('[data-item-status=responded]')
    expect(fx.items.find((i) => i.item_id === INSPECTION)!.history.at(-1)).toMatchObject({ action: 'responded', text: '已整改', by: '县级填报员 (clerk-511921)' })
    await context.close()
  }, BACKSTOP_MS)

  it('lets a city official open an inspection item (due by default the last day of the next quarter), close a responded item and reopen it with a reason', async () => {
    const { context, page, fx, problems } = await signedIn('city', 1366)
    await page.goto(`${ORIGIN}/#/rectification`)
    await settled(page)
    const open = page.locator('[data-open-form]')
    const due = await open.locator('input[type=date]').inputValue()
    const today = new Date(Date.now() + 8 * 3600_000)
    const next = Math.floor(today.getUTCMonth() / 3) + 1
    const [year, quarter] = next === 4 ? [today.getUTCFullYear() + 1, 1] : [today.getUTCFullYear(), next + 1]
    expect(due).toBe(`${year}-${['03-31', '06-30', '09-30', '12-31'][quarter - 1]}`)
    await open.getByLabel('县代码').fill('511921')
    await open.getByLabel('发现的问题').fill('热线反映低保漏评')
    await open.getByLabel('具体情况').fill('一户')
    await open.getByRole('button', { name: '立项' }).click()
    await page.waitForSelector('[data-item-detail]:not([hidden]) h2:has-text("热线反映低保漏评")')
    const opened = fx.items.at(-1)!
    expect(opened).toMatchObject({ county: CONTRACT_COUNTY, title: '热线反映低保漏评', detail: '一户', due, status: 'open' })
    expect(opened.history).toEqual([{ at: expect.any(String), by: '市级 (city-5119)', action: 'opened', text: '一户' }])
    expect(await page.locator('[data-respond-form]').count()).toBe(0)

    await openItem(page, RESPONDED)
    await page.locator('[data-verify=close]').click()
    await page.waitForSelector('[data-item-status=closed]')
    await page.locator('[data-verify=reopen]').click()
    await expect.poll(() => page.locator('[data-verify-form] [role=status]').innerText()).toContain('原因')
    await page.getByLabel('重新打开的原因').fill('回头看发现未补报完整')
    await page.locator('[data-verify=reopen]').click()
    await page.waitForSelector('[data-item-status=open]')
    expect(fx.items.find((i) => i.item_id === RESPONDED)!.history.slice(-2).map((h) => [h.action, h.by, h.reason])).toEqual([
      ['closed', '市级 (city-5119)', undefined], ['reopened', '市级 (city-5119)', '回头看发现未补报完整'],
    ])
    await expect(page.locator('[data-history]').innerText()).resolves.toContain('回头看发现未补报完整')
    await page.screenshot({ path: join(ARTIFACTS, 'portal-rectification-official.png'), fullPage: true })
    expect(problems).toEqual([])
    await context.close()
  }, BACKSTOP_MS)

  it('has no serious or critical axe-core violation on any page', async () => {
    const found: string[] = []
    for (const role of ['clerk', 'admin'] as const) {
      const { context, page } = await signedIn(role, 1366, { bypassCSP: true })
      for (const name of PAGES[role]) {
        await page.goto(`${ORIGIN}/#/${name}`)
        await settled(page)
        if (name === 'upload') {
          await page.setInputFiles('input[type=file]', { name: 'bad.xlsx', mimeType: 'application/octet-stream', buffer: Buffer.from(xlsx) })
          await page.waitForSelector('table[data-findings]')
        }
        if (name === 'rectification') await openItem(page, role === 'clerk' ? INSPECTION : RESPONDED)
        await page.addScriptTag({ content: AXE })
        const violations = await page.evaluate<string[]>(`axe.run().then((r) => r.violations
          .filter((v) => v.impact === 'serious' || v.impact === 'critical')
          .map((v) => v.id + ' ' + v.impact + ' ' + v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', ')))`)
        for (const v of violations) found.push(`${role} ${name}: ${v}`)
      }
      await context.close()
    }
    expect(found).toEqual([])
  }, BACKSTOP_MS)
})
