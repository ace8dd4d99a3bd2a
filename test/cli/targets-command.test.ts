import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { main } from '../../functions/cli/va.ts'

// `va upload --targets` on the local pipeline (emulated S3 and DynamoDB, DuckDB), then the
// appraisal that scores on the milestones (rectification.md, "Targets"; interfaces.md `progress`).

const exampleFile = new URL('../fixtures/contract/tongjiang_2023Q2_village_report.csv', import.meta.url).pathname
const HEADER = '年度,县代码,指标,一季度目标,二季度目标,三季度目标,四季度目标'
let dir: string
let baseEnv: Record<string, string | undefined>

async function run(argv: string[], role?: string) {
  const out: string[] = []
  const err: string[] = []
  const env = { ...baseEnv, ...(role ? { VA_ROLE: role } : {}) }
  const code = await main(argv, { out: (t) => out.push(t), err: (t) => err.push(t), env, cwd: dir, tty: false })
  return { code, out: out.join('\n'), err: err.join('\n') }
}

async function uploadTargets(name: string, rows: string[], role?: string) {
  await writeFile(join(dir, name), [HEADER, ...rows].join('\n') + '\n')
  return run(['upload', name, '--targets', '--json'], role)
}

interface CountyDoc { county: string; indicators: Record<string, number>; breakdown: { indicator: string; floor: number; target: number; milestone?: number }[]; progress?: Record<string, number> }
async function appraised(): Promise<{ doc: { targets_used?: string[] }; county: CountyDoc }> {
  const aggregate = await run(['aggregate', '--period', '2023Q2'])
  expect(aggregate.code).toBe(0)
  const r = await run(['appraisal', '--period', '2023Q2', '--json'])
  const doc = JSON.parse(r.out)
  return { doc, county: doc.counties.find((c: CountyDoc) => c.county === '511921') }
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'va-targets-cli-'))
  baseEnv = { ...process.env, VA_HOME: join(dir, 'state'), COLUMNS: '120' }
  delete baseEnv['VA_ROLE']
  const lines = (await readFile(exampleFile, 'utf8')).trim().split('\n')
  const fixed = [lines[0], lines[1], lines[2]!.replace(',400,380,', ',400,1380,'), lines[3]!.replace('一千六百', '1600')].join('\n')
  await writeFile(join(dir, 'tongjiang.csv'), `${fixed}\n`)
  const up = await run(['upload', 'tongjiang.csv', '--county', '511921', '--period', '2023Q2', '--json'])
  if (up.code !== 0) throw new Error(up.err + up.out)
}, 600_000)

afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

describe('va upload --targets', () => {
  it('without targets the appraisal JSON has no progress and no targets_used', async () => {
    const { doc, county } = await appraised()
    expect(county).not.toHaveProperty('progress')
    expect(doc).not.toHaveProperty('targets_used')
  }, 300_000)

  it('a clerk may not upload targets: a usage error (exit 2)', async () => {
    const r = await uploadTargets('clerk.csv', ['2023,511921,风险消除率,0.1,0.2,0.3,0.4'], 'clerk:511921')
    expect([r.code, r.err.split('\n')[0]]).toEqual([2, 'va upload: a county clerk cannot upload targets: set VA_ROLE=city:<4 digits> or province:<2 digits>, or leave it unset'])
  })

  it('a city official\'s file naming another city\'s county is rejected with outside_county', async () => {
    const r = await uploadTargets('other-city.csv', ['2023,511921,风险消除率,0.1,0.2,0.3,0.4', '2023,511002,风险消除率,0.1,0.2,0.3,0.4'], 'city:5119')
    expect(r.code).toBe(1)
    const { submission, report } = JSON.parse(r.out)
    expect([submission.county, submission.period, submission.dataset, submission.status]).toEqual(['targets', 'targets', 'targets', 'rejected'])
    expect(report.findings.map((f: { code: string; row: number; value: string }) => [f.code, f.row, f.value])).toEqual([['outside_county', 2, '511002']])
  })

  it('scores the county on the city\'s milestone, which beats the province\'s; a later file of the same year and scope replaces the earlier', async () => {
    const province = await uploadTargets('province.csv', ['2023,511921,风险消除率,0.05,0.1,0.15,0.2', '2023,511921,参保率,0.9,0.9,0.9,0.9'])
    expect(province.code).toBe(0)
    const city = await uploadTargets('city.csv', ['2023,511921,风险消除率,10%,25%,40%,60%'], 'city:5119')
    expect(city.code).toBe(0)
    const cityId = JSON.parse(city.out).submission.submission_id as string
    const provinceId = JSON.parse(province.out).submission.submission_id as string

    const first = await appraised()
    const value = first.county.indicators['risk_elimination_rate']!
    expect(first.county.progress).toEqual({ risk_elimination_rate: value / 0.25, medical_insurance_rate: first.county.indicators['medical_insurance_rate']! / 0.9 })
    expect(first.county.breakdown.find((b) => b.indicator === 'risk_elimination_rate')).toMatchObject({ target: 0.25, floor: 0.25 * (0.3 / 0.7), milestone: 0.25 })
    expect(first.doc.targets_used).toEqual([provinceId, cityId].sort())

    // The city's new file names only the insurance rate: the city's earlier milestone is gone,
    // and the province's risk milestone applies again.
    const replaced = await uploadTargets('city-v2.csv', ['2023,511921,参保率,0.95,0.95,0.95,0.95'], 'city:5119')
    expect(replaced.code).toBe(0)
    const second = await appraised()
    expect(second.county.progress).toEqual({ risk_elimination_rate: value / 0.1, medical_insurance_rate: second.county.indicators['medical_insurance_rate']! / 0.95 })
    expect(second.doc.targets_used).toEqual([provinceId, JSON.parse(replaced.out).submission.submission_id].sort())
  }, 600_000)
})
