import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { chromium, type Browser, type Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startVaServe } from '../support/va-serve.ts'
import { parsePeriod } from '../../functions/core/period.ts'
import { planProvince, villageQuarter, villageReportCsv } from '../../functions/demo/generate.ts'
import { xlsxFromCsv } from '../support/portal-fixtures.ts'

/**
 * The portal end to end: `va serve` started by the test as its own process, Debian's chromium
 * against it, nothing routed or stubbed. A clerk checks a bad workbook in the browser, sends it,
 * sees the pipeline reject it with the annotated workbook to download, then sends the corrected
 * one and sees it accepted and current. Without chromium the test is skipped, and says so.
 */
const CHROMIUM = '/usr/bin/chromium'
const available = existsSync(CHROMIUM)
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-quic']
const BACKSTOP_MS = 600_000
const ARTIFACTS = fileURLToPath(new URL('../.artifacts/', import.meta.url))

if (!available) console.warn(`portal end-to-end browser test SKIPPED: ${CHROMIUM} does not exist (apt-get install chromium; CI installs it)`)

let stop: (() => Promise<void>) | undefined
let home: string
let printed = ''
let browser: Browser

beforeAll(async () => {
  if (!available) return
  home = await mkdtemp(join(tmpdir(), 'va-portal-serve-'))
  ;({ printed, stop } = await startVaServe(home, join(home, 'state')))
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ARGS, timeout: 0 })
}, BACKSTOP_MS)

afterAll(async () => {
  await browser?.close()
  await stop?.()
  if (home) await rm(home, { recursive: true, force: true })
}, BACKSTOP_MS)

/** The county's report for the quarter, from the demo's generator; `population` of the first village replaced when given. */
async function villageReport(county: string, period: string, firstPopulation?: string): Promise<Uint8Array> {
  const plan = planProvince({ seed: 5, province: county.slice(0, 2), townshipsPerCounty: 1, villagesPerTownship: 3 })
  const c = plan.counties.find((x) => x.code === county)!
  const rows = c.villages.map((v) => villageQuarter(v, parsePeriod(period)!, 5))
  if (firstPopulation !== undefined) rows[0]!.values['population'] = firstPopulation
  return xlsxFromCsv(villageReportCsv(rows))
}

async function sendAndWait(page: Page, name: string, bytes: Uint8Array, verdict: 'accepted' | 'rejected'): Promise<void> {
  await page.setInputFiles('input[type=file]', { name, mimeType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', buffer: Buffer.from(bytes) })
  // The button is enabled once the browser's own check of the file is done.
  await page.locator('button.primary:not([disabled])', { hasText: '报送' }).click()
  await page.waitForSelector(`[data-verdict=${verdict}]`)
}

describe.skipIf(!available)('the portal against va serve, in headless Chromium', () => {
  it('a clerk sees a bad workbook\'s findings before sending, its rejection and annotated workbook after, then the corrected file accepted and current', async () => {
    const account = /(clerk-(\d{6}))/.exec(printed)!
    const county = account[2]!
    const portal = /portal: +(http:\/\/127\.0\.0\.1:\d+)/.exec(printed)![1]!
    const context = await browser.newContext({ viewport: { width: 1366, height: 800 } })
    context.setDefaultTimeout(300_000)
    const page = await context.newPage()
    const problems: string[] = []
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`))
    await page.goto(`${portal}/`)
    await page.selectOption('select', account[1]!)
    await page.getByRole('button', { name: '登录' }).click()
    await page.waitForSelector('nav')
    const period = await page.locator('main select').first().inputValue()
    expect(period).toMatch(/^\d{4}Q[1-4]$/)

    // Checked in the browser first: the bad population is shown at its cell before anything is sent.
    const bad = await villageReport(county, period, '一千六百')
    await page.setInputFiles('input[type=file]', { name: '村报表.xlsx', mimeType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', buffer: Buffer.from(bad) })
    await page.waitForSelector('table[data-findings]')
    const rows = await page.locator('table[data-findings] tbody tr').allInnerTexts()
    expect(rows.some((r) => r.includes('H2') && r.includes('一千六百'))).toBe(true)
    await page.getByRole('button', { name: '报送' }).click()
    await page.waitForSelector('[data-verdict=rejected]')
    await expect(page.getByRole('link', { name: '标注问题的工作簿' }).getAttribute('href')).resolves.toContain('.xlsx')
    await mkdir(ARTIFACTS, { recursive: true })
    await page.screenshot({ path: join(ARTIFACTS, 'portal-serve-rejected.png'), fullPage: true })

    // The corrected file: accepted, and current.
    await page.goto(`${portal}/#/upload`)
    await page.waitForSelector('input[type=file]')
    await sendAndWait(page, '村报表-更正.xlsx', await villageReport(county, period), 'accepted')
    await page.waitForSelector('[data-verdict=accepted] [data-current]')
    await page.screenshot({ path: join(ARTIFACTS, 'portal-serve-accepted.png'), fullPage: true })
    expect(problems).toEqual([])
    await context.close()
  }, BACKSTOP_MS)

  it('a city official opens an inspection item, the county\'s clerk responds with a PDF through the presigned POST, the official downloads it and closes the item', async () => {
    const portal = /portal: +(http:\/\/127\.0\.0\.1:\d+)/.exec(printed)![1]!
    const city = /(city-(\d{4}))/.exec(printed)!
    const clerk = new RegExp(`(clerk-(${city[2]!}\\d{2}))`).exec(printed)!
    const problems: string[] = []
    const signIn = async (account: string) => {
      const context = await browser.newContext({ viewport: { width: 1366, height: 800 }, acceptDownloads: true })
      context.setDefaultTimeout(300_000)
      const page = await context.newPage()
      page.on('pageerror', (e) => problems.push(`page error: ${e.message}`))
      // Locally there is no /config.json (no OIDC issuer): its 404 is how the page knows to offer the local accounts.
      page.on('response', (r) => { if (r.status() >= 400 && !r.url().endsWith('/config.json')) problems.push(`HTTP ${r.status()}: ${r.url()}`) })
      await page.goto(`${portal}/`)
      await page.selectOption('select', account)
      await page.getByRole('button', { name: '登录' }).click()
      await page.waitForSelector('nav')
      await page.goto(`${portal}/#/rectification`)
      await page.waitForSelector('[data-item-list] table, [data-item-list] .empty')
      return { context, page }
    }

    const official = await signIn(city[1]!)
    const open = official.page.locator('[data-open-form]')
    await open.getByLabel('县代码').fill(clerk[2]!)
    await open.getByLabel('发现的问题').fill('走访发现危房未改造')
    await open.getByRole('button', { name: '立项' }).click()
    await official.page.waitForSelector('[data-item-detail]:not([hidden]) h2:has-text("走访发现危房未改造")')
    const itemId = await official.page.locator('button[data-item]').first().getAttribute('data-item')
    expect(itemId).toMatch(new RegExp(`^${clerk[2]!}-[0-9a-f]{12}$`))

    const county = await signIn(clerk[1]!)
    await county.page.locator(`button[data-item="${itemId}"]`).click()
    const form = county.page.locator('[data-respond-form]')
    await form.locator('textarea').fill('两户已完成改造')
    await form.locator('input[type=file]').setInputFiles({ name: '整改照片.pdf', mimeType: 'application/pdf', buffer: Buffer.from('%PDF-1.4\n%%EOF\n') })
    await form.getByRole('button', { name: '提交整改情况' }).click()
    await county.page.waitForSelector('[data-item-status=responded]')
    await expect(county.page.locator('[data-history]').innerText()).resolves.toContain(`(${clerk[1]!})`)
    await county.page.screenshot({ path: join(ARTIFACTS, 'portal-serve-rectification-responded.png'), fullPage: true })
    await county.context.close()

    await official.page.reload()
    await official.page.locator(`button[data-item="${itemId}"]`).click()
    const download = official.page.waitForEvent('download')
    await official.page.locator('[data-evidence]').click()
    expect((await download).suggestedFilename()).toBe('整改照片.pdf')
    await official.page.locator('[data-verify=close]').click()
    await official.page.waitForSelector('[data-item-status=closed]')
    const history = await official.page.locator('[data-history] tbody tr').allInnerTexts()
    expect(history.map((r) => r.split('\t')[1])).toEqual(['立项', '答复', '核验关闭'])
    expect(history[2]).toContain(`(${city[1]!})`)
    expect(problems).toEqual([])
    await official.context.close()
  }, BACKSTOP_MS)

  it('a city official uploads a targets file on the administration page and sees the pipeline\'s verdict, checked like any upload: another city\'s county is outside_county', async () => {
    const portal = /portal: +(http:\/\/127\.0\.0\.1:\d+)/.exec(printed)![1]!
    const city = /(city-(\d{4}))/.exec(printed)!
    const own = new RegExp(`clerk-(${city[2]!}\\d{2})`).exec(printed)![1]!
    const other = new RegExp(`clerk-((?!${city[2]!})\\d{6})`).exec(printed)![1]!
    const context = await browser.newContext({ viewport: { width: 1366, height: 800 } })
    context.setDefaultTimeout(300_000)
    const page = await context.newPage()
    const problems: string[] = []
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`))
    page.on('response', (r) => { if (r.status() >= 400 && !r.url().endsWith('/config.json')) problems.push(`HTTP ${r.status()}: ${r.url()}`) })
    await page.goto(`${portal}/`)
    await page.selectOption('select', city[1]!)
    await page.getByRole('button', { name: '登录' }).click()
    await page.waitForSelector('nav')
    await page.goto(`${portal}/#/admin`)
    const card = page.locator('.card', { has: page.getByRole('heading', { name: '目标值' }) })
    const send = async (name: string, rows: string[]) => {
      const body = ['年度,县代码,指标,一季度目标,二季度目标,三季度目标,四季度目标', ...rows].join('\n')
      await card.locator('input[type=file]').setInputFiles({ name, mimeType: 'text/csv', buffer: Buffer.from(body) })
      await card.getByRole('button', { name: '上传' }).click()
    }
    await send('目标-错.csv', [`2025,${own},风险消除率,0.25,0.5,0.75,1`, `2025,${other},风险消除率,0.25,0.5,0.75,1`])
    await card.locator('[data-verdict=rejected]').waitFor()
    await expect(card.locator('table[data-findings]').innerText()).resolves.toContain('outside_county')
    await send('目标.csv', [`2025,${own},风险消除率,25%,50%,75%,100%`])
    await card.locator('[data-verdict=accepted]').waitFor()
    await page.screenshot({ path: join(ARTIFACTS, 'portal-serve-targets-accepted.png'), fullPage: true })
    expect(problems).toEqual([])
    await context.close()
  }, BACKSTOP_MS)
})
