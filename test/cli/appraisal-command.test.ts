import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { main } from '../../functions/cli/va.ts'

// `va appraisal` on the local pipeline, from an upload to the stored roll-ups (appraisal.md,
// "Roll-ups" and "Appraisal JSON additions"): a county's report, a registry that names one
// more county, then `va aggregate` and the reads.

const exampleFile = new URL('../fixtures/contract/tongjiang_2023Q2_village_report.csv', import.meta.url).pathname
let dir: string
let env: Record<string, string | undefined>

async function run(argv: string[]) {
  const out: string[] = []
  const err: string[] = []
  const code = await main(argv, { out: (t) => out.push(t), err: (t) => err.push(t), env, cwd: dir, tty: false })
  return { code, out: out.join('\n'), err: err.join('\n') }
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'va-appraisal-cli-'))
  env = { ...process.env, VA_HOME: join(dir, 'state'), COLUMNS: '120' }
  // The contract's example with its two faulty populations corrected: three villages, accepted.
  const lines = (await readFile(exampleFile, 'utf8')).trim().split('\n')
  const fixed = [lines[0], lines[1], lines[2]!.replace(',400,380,', ',400,1380,'), lines[3]!.replace('一千六百', '1600')].join('\n')
  await writeFile(join(dir, 'tongjiang.csv'), `${fixed}\n`)
  await writeFile(join(dir, 'registry.csv'), ['代码,名称,级别,上级代码', '51,四川省,省,', '5119,巴中市,市,51', '511921,通江县,县,5119', '511922,南江县,县,5119', '511921105,杨柏镇,乡,511921'].join('\n') + '\n')
  const up = await run(['upload', 'tongjiang.csv', '--county', '511921', '--period', '2023Q2', '--json'])
  if (up.code !== 0) throw new Error(up.err + up.out)
  expect([up.code, JSON.parse(up.out).submission.status]).toEqual([0, 'accepted'])
  const registry = await run(['upload', 'registry.csv', '--registry', '--json'])
  expect(registry.code).toBe(0)
  const aggregate = await run(['aggregate', '--period', '2023Q2'])
  expect([aggregate.code, aggregate.out.split('\n')[1]]).toEqual([0, 'missing counties: 511922 南江县'])
}, 600_000)

afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

describe('va appraisal', () => {
  it('lists the missing counties with their codes and names in --json', async () => {
    const r = await run(['appraisal', '--period', '2023Q2', '--json'])
    expect(r.code).toBe(0)
    const doc = JSON.parse(r.out)
    expect(doc.missing_counties).toEqual([{ county: '511922', name: '南江县' }])
    expect(doc.not_appraisable).toEqual([])
    expect(doc.counties.map((c: { county: string; name: string }) => [c.county, c.name])).toEqual([['511921', '通江县']])
  })

  it('gives a province, a city and a township roll-up from the sums of their villages', async () => {
    const province = JSON.parse((await run(['appraisal', '--period', '2023Q2', '--region', '51', '--json'])).out)
    expect(province).toMatchObject({ period: '2023Q2', level: 'province', code: '51', name: '四川省', villages_reported: 3, counties_reported: 1, population: 3562 + 1380 + 1600 })
    // Funds spent over funds allocated, summed first: (102.5 + 30 + …) / (185 + 60 + …).
    expect(province.fund_spending_rate).toBe(province.linkage_funds_spent / province.linkage_funds_allocated)
    const city = JSON.parse((await run(['appraisal', '--period', '2023Q2', '--region', '5119', '--json'])).out)
    expect([city.level, city.name, city.population]).toEqual(['city', '巴中市', province.population])
    const township = JSON.parse((await run(['appraisal', '--period', '2023Q2', '--region', '511921105', '--json'])).out)
    expect([township.level, township.name]).toEqual(['township', '杨柏镇'])
  })

  it('prints a region as a table of its indicators', async () => {
    const r = await run(['appraisal', '--period', '2023Q2', '--region', '5119'])
    expect(r.out.split('\n')[0]).toBe('2023Q2 city 5119 巴中市: 3 villages of 1 counties reported')
    expect(r.out).toContain('fund_spending_rate')
  })

  it('exits 2 for a region code of any other length, and 1 for a region with no roll-up', async () => {
    for (const code of ['5', '511', '511921', '5119211052']) {
      const r = await run(['appraisal', '--period', '2023Q2', '--region', code])
      expect([r.code, r.err.split('\n')[0]]).toEqual([2, 'va appraisal: --region needs a province (2 digits), city (4) or township (9 digits) code'])
    }
    const none = await run(['appraisal', '--period', '2023Q2', '--region', '52'])
    expect(none.code).toBe(1)
    expect(none.err).toBe('no roll-up stored for region 52 in 2023Q2: no accepted village report of the quarter lies in it, or the quarter was not appraised (va aggregate --period 2023Q2)')
  })

  it('gives the county history without --period', async () => {
    const r = await run(['appraisal', '--county', '511921', '--json'])
    expect(JSON.parse(r.out).history.map((h: { period: string }) => h.period)).toEqual(['2023Q2'])
  })
})
