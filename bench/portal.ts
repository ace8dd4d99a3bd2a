/**
 * The portal's budgets (portal.md): the page's JavaScript gzipped, and the in-browser check of a
 * 2,000-village XLSX in headless Chromium as a ratio to the same check in Node, in one run.
 * Part of the full `npm run bench` only (Chromium takes seconds to start).
 */
import { existsSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { extname, join } from 'node:path'
import { chromium } from 'playwright-core'
import { nodeByteCodecs } from '../functions/adapters/node-byte-codecs.ts'
import { bufferByteSource } from '../functions/core/decode/byte-source.ts'
import { parseUploadKey } from '../functions/core/upload-place.ts'
import { checkSource } from '../functions/core/validate/check-source.ts'
import { buildPortal } from '../functions/portal/build-portal.ts'
import { DEFAULT_UPLOAD_LIMITS } from '../schemas/settings.ts'
import { buildXlsx } from '../test/support/xlsx-builder.ts'
import { BENCH_PERIOD, BENCH_QUARTER, villageReportText } from './data.ts'

const CHROMIUM = '/usr/bin/chromium'
const ORIGIN = 'http://portal.bench'
const RUNS = 3

export interface PortalResult {
  js_gzip_bytes: number
  js_gzip_kb: number
  check_chunk: string
  villages: number
  xlsx_bytes: number
  node_check_ms: number
  browser_check_ms: number | null
  /** Browser time / Node time; null without Chromium. */
  browser_to_node_ratio: number | null
  note?: string
}

/** The village report as Excel saves it: short numbers as numbers, codes as text. */
function villageReportXlsx(villages: number): { bytes: Uint8Array; county: string } {
  const lines = villageReportText(villages, BENCH_QUARTER).trim().split('\n')
  const rows = lines.map((line, i) => line.split(',').map((v) => (i > 0 && /^-?\d+(\.\d+)?$/.test(v) && v.length < 10 ? Number(v) : v)))
  const county = String(rows[1]![1]).slice(0, 6)
  return { bytes: buildXlsx({ sheets: [{ name: '村级报表', rows }] }), county }
}

export async function benchPortal(work: string): Promise<PortalResult> {
  const built = await buildPortal({ outDir: join(work, 'portal') })
  const villages = 2000
  const { bytes, county } = villageReportXlsx(villages)
  const key = `uploads/${county}/${BENCH_PERIOD}/report.xlsx`
  const receivedAt = new Date('2024-07-05T10:00:00+08:00')

  let nodeMs = Infinity
  let nodeStatus = ''
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now()
    const { outcome } = await checkSource({
      place: parseUploadKey(key), fileName: 'report.xlsx', source: bufferByteSource(bytes), receivedAt, submissionId: 'bench',
      hashId: () => '', limits: DEFAULT_UPLOAD_LIMITS, codecs: nodeByteCodecs,
    })
    nodeMs = Math.min(nodeMs, performance.now() - t0)
    nodeStatus = `${outcome.report.status} ${outcome.report.rows.total}`
  }
  const base = {
    js_gzip_bytes: built.jsGzipBytes, js_gzip_kb: Math.round(built.jsGzipBytes / 102.4) / 10, check_chunk: built.checkChunk,
    villages, xlsx_bytes: bytes.length, node_check_ms: Math.round(nodeMs * 10) / 10,
  }
  if (!existsSync(CHROMIUM)) return { ...base, browser_check_ms: null, browser_to_node_ratio: null, note: `${CHROMIUM} missing: no browser figure` }

  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] })
  try {
    const page = await browser.newPage()
    await page.route(`${ORIGIN}/**`, async (route) => {
      const path = new URL(route.request().url()).pathname
      const file = join(built.outDir, path === '/' ? 'index.html' : path.slice(1))
      if (!existsSync(file)) return route.fulfill({ status: 404 })
      return route.fulfill({ contentType: extname(file) === '.js' ? 'text/javascript' : 'text/html', body: await readFile(file) })
    })
    // A blank page of the same origin: the check alone is timed, not the portal's start.
    await page.route(`${ORIGIN}/blank`, (route) => route.fulfill({ contentType: 'text/html', body: '<!DOCTYPE html><title>bench</title>' }))
    await page.goto(`${ORIGIN}/blank`)
    const measured = await page.evaluate(async ({ chunk, b64, key, receivedAt, runs }) => {
      const mod = await import(chunk) as { checkInBrowser(i: object): Promise<{ status: string; rows: { total: number } }> }
      const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0))
      let best = Infinity
      let status = ''
      for (let i = 0; i < runs; i++) {
        const t0 = performance.now()
        const r = await mod.checkInBrowser({ bytes, fileName: 'report.xlsx', key, receivedAt: new Date(receivedAt) })
        best = Math.min(best, performance.now() - t0)
        status = `${r.status} ${r.rows.total}`
      }
      return { best, status }
    }, { chunk: `${ORIGIN}/${built.checkChunk}`, b64: Buffer.from(bytes).toString('base64'), key, receivedAt: receivedAt.toISOString(), runs: RUNS })
    if (measured.status !== nodeStatus) throw new Error(`the browser check disagrees with Node: ${measured.status} vs ${nodeStatus}`)
    return { ...base, browser_check_ms: Math.round(measured.best * 10) / 10, browser_to_node_ratio: Math.round((measured.best / nodeMs) * 100) / 100 }
  } finally {
    await browser.close()
  }
}

if (process.argv[1]?.endsWith('bench/portal.ts')) {
  const { mkdtemp, rm } = await import('node:fs/promises')
  const { tmpdir } = await import('node:os')
  const work = await mkdtemp(join(tmpdir(), 'va-bench-portal-'))
  try {
    console.log(JSON.stringify(await benchPortal(work), null, 2))
  } finally {
    await rm(work, { recursive: true, force: true })
  }
}
