import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { main } from '../../functions/cli/va.ts'

// `va rectification` on the local pipeline: a published quarter opens the automatic items, then
// an official opens an inspection, the clerk responds with evidence, the official verifies.

const exampleFile = new URL('../fixtures/contract/tongjiang_2023Q2_village_report.csv', import.meta.url).pathname
let dir: string
let env: Record<string, string | undefined>

async function run(argv: string[], role?: string) {
  const out: string[] = []
  const err: string[] = []
  const code = await main(argv, { out: (t) => out.push(t), err: (t) => err.push(t), env: { ...env, ...(role ? { VA_ROLE: role } : {}) }, cwd: dir, tty: false })
  return { code, out: out.join('\n'), err: err.join('\n') }
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'va-rectification-cli-'))
  env = { ...process.env, VA_HOME: join(dir, 'state'), COLUMNS: '120', USER: 'operator' }
  delete env['VA_ROLE']
  const lines = (await readFile(exampleFile, 'utf8')).trim().split('\n')
  const fixed = [lines[0], lines[1], lines[2]!.replace(',400,380,', ',400,1380,'), lines[3]!.replace('一千六百', '1600')].join('\n')
  await writeFile(join(dir, 'tongjiang.csv'), `${fixed}\n`)
  await writeFile(join(dir, 'registry.csv'), ['代码,名称,级别,上级代码', '51,四川省,省,', '5119,巴中市,市,51', '511921,通江县,县,5119', '511922,南江县,县,5119', '511921105,杨柏镇,乡,511921'].join('\n') + '\n')
  await writeFile(join(dir, 'evidence.pdf'), '%PDF-1.4\n1 0 obj\n<<>>\nendobj\n%%EOF\n')
  await writeFile(join(dir, 'fake.pdf'), 'a,b\n1,2\n')
  expect((await run(['upload', 'tongjiang.csv', '--county', '511921', '--period', '2023Q2', '--json'])).code).toBe(0)
  expect((await run(['upload', 'registry.csv', '--registry', '--json'])).code).toBe(0)
  const aggregate = await run(['aggregate', '--period', '2023Q2', '--publish', '--by', 'analyst'])
  if (aggregate.code !== 0) throw new Error(aggregate.err + aggregate.out)
}, 600_000)

afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

const items = async (...scope: string[]) => {
  const r = await run(['rectification', 'list', ...scope, '--json'])
  expect(r.code).toBe(0)
  return JSON.parse(r.out).items as { item_id: string; county: string; source: string; problem: string; status: string; due: string; history: { by: string; action: string; file?: string; text?: string }[] }[]
}

describe('va rectification', () => {
  it('lists what publishing opened, by city, county and province', async () => {
    const city = await items('--city', '5119')
    // 511921's file came years after 2023Q2's deadline (late_submission); 511922 did not report.
    expect(city.map((i) => [i.county, i.source, i.problem, i.status, i.due, i.history[0]!.by])).toContainEqual(['511921', 'data_quality', 'late', 'open', '2023-09-30', 'analyst'])
    expect(city.map((i) => [i.county, i.problem])).toContainEqual(['511922', 'missing'])
    expect((await items('--county', '511922')).map((i) => i.problem)).toEqual(['missing'])
    expect((await items('--province', '51')).length).toBe(city.length)
    expect(await items('--province', '52')).toEqual([])
  })

  it('opens an inspection, takes the clerk\'s response with evidence, and lets only an official close it once', async () => {
    const opened = await run(['rectification', 'open', '--county', '511921', '--title', '走访发现危房未改造', '--due', '2023-12-31', '--json'])
    expect(opened.code).toBe(0)
    const id = JSON.parse(opened.out).item_id as string
    expect(JSON.parse(opened.out)).toMatchObject({ county: '511921', source: 'inspection', due: '2023-12-31', status: 'open', history: [{ by: 'operator', action: 'opened' }] })

    const byAdmin = await run(['rectification', 'respond', id, '--text', '已整改'])
    expect([byAdmin.code, byAdmin.err]).toEqual([1, expect.stringContaining('refused (not_allowed): only a clerk of county 511921')])
    const otherClerk = await run(['rectification', 'respond', id, '--text', '已整改'], 'clerk:511922')
    expect(otherClerk.code).toBe(1)
    const notEvidence = await run(['rectification', 'respond', id, '--text', '已整改', '--file', 'fake.pdf'], 'clerk:511921')
    expect([notEvidence.code, notEvidence.err]).toEqual([1, expect.stringContaining('is not a PDF, an image')])

    const responded = await run(['rectification', 'respond', id, '--text', '已整改', '--file', 'evidence.pdf', '--json'], 'clerk:511921')
    expect(responded.code).toBe(0)
    expect(JSON.parse(responded.out).history.at(-1)).toMatchObject({ by: 'operator', action: 'responded', text: '已整改', file: `rectification/511921/${id}/evidence.pdf` })
    // The evidence is in the lake (s3rver keeps an object as <key>._S3rver_object on disk).
    const stored = await readdir(join(dir, 'state', 's3', 'lake', 'rectification', '511921', id))
    expect(stored).toContain('evidence.pdf._S3rver_object')
    expect(await readFile(join(dir, 'state', 's3', 'lake', 'rectification', '511921', id, 'evidence.pdf._S3rver_object'), 'utf8')).toMatch(/^%PDF-1\.4/)

    const clerkVerifies = await run(['rectification', 'verify', id, '--close'], 'clerk:511921')
    expect([clerkVerifies.code, clerkVerifies.err]).toEqual([1, expect.stringContaining('refused (not_allowed)')])
    const otherCity = await run(['rectification', 'verify', id, '--close'], 'city:5120')
    expect(otherCity.code).toBe(1)
    const closed = await run(['rectification', 'verify', id, '--close'], 'city:5119')
    expect([closed.code, closed.out]).toEqual([0, `${id}: closed`])
    const again = await run(['rectification', 'verify', id, '--close'])
    expect([again.code, again.err]).toEqual([1, expect.stringContaining('refused (wrong_status)')])
    const reopened = await run(['rectification', 'verify', id, '--reopen', '--reason', '复查仍有危房'])
    expect([reopened.code, reopened.out]).toEqual([0, `${id}: open`])
    expect((await items('--county', '511921')).find((i) => i.item_id === id)!.history.map((h) => h.action)).toEqual(['opened', 'responded', 'closed', 'reopened'])
  })

  it('refuses bad usage with exit 2', async () => {
    expect((await run(['rectification', 'verify', '511921-000000000000', '--reopen'])).code).toBe(2)
    expect((await run(['rectification', 'verify', 'nonsense', '--close'])).code).toBe(2)
    expect((await run(['rectification', 'list'])).code).toBe(2)
    expect((await run(['rectification', 'list', '--county', '511921', '--status', 'done'])).code).toBe(2)
    expect((await run(['rectification', 'open', '--county', '511921'])).code).toBe(2)
    expect((await run(['rectification', 'respond', '511921-000000000000', '--text', 'x'], 'mayor')).code).toBe(2)
    expect((await run(['rectification', 'verify', '511921-000000000000', '--close'])).code).toBe(1)
  })

  it('va appraisal --json counts each county\'s open and overdue items', async () => {
    const r = await run(['appraisal', '--period', '2023Q2', '--json'])
    expect(r.code).toBe(0)
    const county = JSON.parse(r.out).counties.find((c: { county: string }) => c.county === '511921')
    const open = (await items('--county', '511921')).filter((i) => i.status === 'open' || i.status === 'responded')
    // Every item of 2023 is long past its due day.
    expect(county.rectification).toEqual({ open: open.length, overdue: open.length })
    expect(open.length).toBeGreaterThanOrEqual(2)
    expect(county.penalties).toEqual([])
  })
})
