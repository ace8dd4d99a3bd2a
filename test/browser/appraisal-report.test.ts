import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { chromium, type BrowserContext, type Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { renderAppraisalReport } from '../../functions/core/report/render-appraisal-report.ts'
import { manyCountiesInput, sampleReportInput } from '../unit/report/sample-report.ts'

/**
 * The report as a person opens it: Debian's chromium, headless, from a file:// URL with the
 * network unused. CI installs chromium; without it this test is skipped, and says so.
 */
const CHROMIUM = '/usr/bin/chromium'
const available = existsSync(CHROMIUM)
const SCREENSHOT = fileURLToPath(new URL('../.artifacts/appraisal-report.png', import.meta.url))
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-quic']

/** The last resort for a hung browser (it judges nothing: a loaded machine may take minutes). */
const BACKSTOP_MS = 600_000

if (!available) console.warn(`appraisal-report browser test SKIPPED: ${CHROMIUM} does not exist (apt-get install chromium; CI installs it)`)

let work: string
let context: BrowserContext

beforeAll(async () => {
  if (!available) return
  work = await mkdtemp(join(tmpdir(), 'va-report-browser-'))
  context = await chromium.launchPersistentContext(join(work, 'profile'), {
    executablePath: CHROMIUM,
    headless: true,
    args: ARGS,
    viewport: { width: 1280, height: 900 },
    offline: true,
    // No clock of Playwright's own: a slow start on a loaded machine is not a failure, and a
    // hung browser is stopped by the test's backstop below.
    timeout: 0,
  })
  context.setDefaultTimeout(0)
  context.setDefaultNavigationTimeout(0)
}, BACKSTOP_MS)

afterAll(async () => {
  await context?.close()
  if (work) await rm(work, { recursive: true, force: true })
}, BACKSTOP_MS)

interface Opened {
  page: Page
  url: string
  problems: string[]
  requests: string[]
}

/** Writes the HTML to a file, opens it, and records every console error, page error and request. */
async function open(name: string, html: string): Promise<Opened> {
  const file = join(work, `${name}.html`)
  await writeFile(file, html)
  const url = pathToFileURL(file).href
  const page = await context.newPage()
  const problems: string[] = []
  const requests: string[] = []
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`)
  })
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`))
  page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()} ${r.failure()?.errorText ?? ''}`))
  page.on('request', (r) => requests.push(r.url()))
  await page.goto(url, { waitUntil: 'load' })
  return { page, url, problems, requests }
}

/** Size and drawn elements of each chart's SVG, as laid out by the browser. */
async function charts(page: Page) {
  return page.$$eval('svg[data-chart]', (svgs) => svgs.map((svg) => {
    const box = svg.getBoundingClientRect()
    return {
      id: svg.getAttribute('data-chart'),
      width: Math.round(box.width),
      height: Math.round(box.height),
      shapes: svg.querySelectorAll('path, rect, polygon, circle').length,
      texts: svg.querySelectorAll('text').length,
    }
  }))
}

describe.skipIf(!available)('the appraisal report in headless Chromium', () => {
  it('opens from a file with no request beyond itself and no console error, charts drawn; screenshot saved', async () => {
    const input = sampleReportInput()
    const { page, url, problems, requests } = await open('sample', renderAppraisalReport(input))
    try {
      expect(problems).toEqual([])
      expect(requests).toEqual([url])

      const drawn = await charts(page)
      expect(drawn.map((c) => c.id)).toEqual(['ranking', 'heatmap', 'history'])
      for (const c of drawn) {
        expect(c.width, `${c.id} width`).toBeGreaterThan(600)
        expect(c.height, `${c.id} height`).toBeGreaterThan(150)
        expect(c.texts, `${c.id} labels`).toBeGreaterThan(input.counties.length)
      }
      const shapes = Object.fromEntries(drawn.map((c) => [c.id, c.shapes]))
      // A bar per county, a cell per county and indicator, a line and dots per county.
      expect(shapes['ranking']).toBeGreaterThanOrEqual(input.counties.length + 5)
      expect(shapes['heatmap']).toBeGreaterThanOrEqual(input.counties.length * 8)
      expect(shapes['history']).toBeGreaterThanOrEqual(input.counties.length * 2)

      // The tables are there and readable: a ranking row per county, the red-flag villages.
      expect(await page.locator('#ranking tbody tr').count()).toBe(input.counties.length)
      await expect(page.locator('#red-flags').innerText()).resolves.toContain('522202001003')
      // The hostile name is shown as text, not run.
      await expect(page.locator('#ranking tbody').innerText()).resolves.toContain('<script>alert("x")</script>&县')

      await mkdir(join(SCREENSHOT, '..'), { recursive: true })
      await page.screenshot({ path: SCREENSHOT, fullPage: true })
      expect(existsSync(SCREENSHOT)).toBe(true)
    } finally {
      await page.close()
    }
  }, BACKSTOP_MS)

  it('lays out dozens of counties without errors', async () => {
    const input = manyCountiesInput(40)
    const { page, url, problems, requests } = await open('many', renderAppraisalReport(input))
    try {
      expect(problems).toEqual([])
      expect(requests).toEqual([url])
      const drawn = await charts(page)
      expect(drawn.map((c) => c.id)).toEqual(['ranking', 'heatmap', 'history'])
      for (const c of drawn) expect(c.shapes, `${c.id} shapes`).toBeGreaterThanOrEqual(40)
      expect(await page.locator('#ranking tbody tr').count()).toBe(40)
    } finally {
      await page.close()
    }
  }, BACKSTOP_MS)

  it('fits a 390 px phone: no horizontal scroll of the page (wide tables scroll inside their own frame)', async () => {
    for (const [name, input] of [['sample', sampleReportInput()], ['many', manyCountiesInput(40)]] as const) {
      const { page, problems } = await open(`${name}-390`, renderAppraisalReport(input))
      try {
        await page.setViewportSize({ width: 390, height: 844 })
        expect(problems).toEqual([])
        const width = await page.evaluate<number>('document.documentElement.scrollWidth')
        expect(width, name).toBeLessThanOrEqual(390)
        if (name === 'sample') await page.screenshot({ path: SCREENSHOT.replace(/\.png$/, '-390.png'), fullPage: true })
      } finally {
        await page.close()
      }
    }
  }, BACKSTOP_MS)
})
