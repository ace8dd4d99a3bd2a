import { execFile } from 'node:child_process'
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { promisify } from 'node:util'
import { existsSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import ExcelJS from 'exceljs'
import { displayWidth } from '../../functions/cli/format.ts'
import { buildTemplate } from '../../functions/core/workbook/template-workbook.ts'
import { main } from '../../functions/cli/va.ts'
import { LOCAL_NAMES } from '../../functions/local/emulators.ts'
import { startLocalPipeline, type LocalPipeline } from '../../functions/local/local-pipeline.ts'

// A copy of the contract's example (shared/contract/examples/), kept with the tests.
const exampleFile = new URL('../fixtures/contract/tongjiang_2023Q2_village_report.csv', import.meta.url).pathname

async function run(argv: string[], env: Record<string, string | undefined> = {}, cwd = process.cwd()) {
  const out: string[] = []
  const err: string[] = []
  const code = await main(argv, { out: (t) => out.push(t), err: (t) => err.push(t), env: { ...process.env, ...env }, cwd, tty: false })
  return { code, out: out.join('\n'), err: err.join('\n') }
}

let dir: string
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'va-cli-'))
})
afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

describe('va', () => {
  it('prints usage and exits 2 without a command, and 2 for an unknown one', async () => {
    expect((await run([])).code).toBe(2)
    const unknown = await run(['frobnicate'])
    expect(unknown.code).toBe(2)
    expect(unknown.err).toContain('unknown command "frobnicate"')
    const typo = await run(['valdiate', 'x.csv'])
    expect([typo.code, typo.err]).toEqual([2, 'va: unknown command "valdiate"; did you mean "validate"? (va --help lists them all)'])
    expect((await run(['apprasial'])).err).toBe('va: unknown command "apprasial"; did you mean "appraisal"? (va --help lists them all)')
  })

  it('takes a quarter in either case, and stores it as the contract writes it', async () => {
    const r = await run(['validate', exampleFile, '--county', '511921', '--period', '2023q2', '--received-at', '2023-07-05T10:00:00+08:00', '--json'], { VA_HOME: join(dir, 'none') }, dir)
    expect(JSON.parse(r.out).period).toBe('2023Q2')
  })

  it.each(['validate', 'upload', 'status', 'aggregate', 'unlock', 'appraisal', 'query', 'redrive', 'replay', 'demo'])('%s --help prints its usage and exits 0', async (name) => {
    const r = await run([name, '--help'])
    expect(r.code).toBe(0)
    expect(r.out).toContain(`Usage: va ${name}`)
  })

  it.each([
    [['validate', 'x.csv', '--county', '5119', '--period', '2023Q2'], '--county needs the 6-digit county code'],
    [['validate', 'x.csv', '--county', '511921', '--period', '2023-2'], '--period needs a quarter written like 2024Q2'],
    [['validate', '--county', '511921', '--period', '2023Q2'], 'name the file to validate'],
    [['validate', 'nope.csv', '--county', '511921', '--period', '2023Q2'], 'no such file: nope.csv'],
    [['validate', 'x.csv', '--bogus'], "Unknown option '--bogus'"],
    [['validate', 'x.csv', '--county', '511921'], 'va validate: --period is required: a quarter written like 2024Q2'],
    [['validate', 'x.csv', '--period', '2023Q2'], 'va validate: --county is required: the 6-digit county code, e.g. --county 522226'],
    [['status', '--county', '511921', '--period', '2023Q2', '--target', 'mars'], '--target is local (the default) or aws'],
  ])('%j is a usage error (exit 2) saying %s', async (argv, message) => {
    const r = await run(argv, { VA_HOME: join(dir, 'none') }, dir)
    expect(r.code).toBe(2)
    expect(r.err).toContain(message)
  })

  it('validates the contract example into the expected JSON, exit 1 for a rejected file', async () => {
    const r = await run(['validate', exampleFile, '--county', '511921', '--period', '2023Q2', '--received-at', '2023-07-05T10:00:00+08:00', '--json'], { VA_HOME: join(dir, 'none') }, dir)
    expect(r.code).toBe(1)
    const expected = JSON.parse(await readFile(exampleFile.replace('.csv', '.expected.json'), 'utf8'))
    delete expected._comment
    const report = JSON.parse(r.out)
    for (const f of report.findings) delete f.message
    expect(report).toEqual(expected)
  })

  it('prints a readable table without --json, exit 0 for an accepted file', async () => {
    const lines = (await readFile(exampleFile, 'utf8')).split('\n')
    const good = join(dir, 'good.csv')
    await writeFile(good, `${lines[0]}\n${lines[1]}\n`)
    const r = await run(['validate', good, '--county', '511921', '--period', '2023Q2', '--received-at', '2023-07-05T10:00:00+08:00', '--lang', 'both'], { VA_HOME: join(dir, 'none') }, dir)
    expect(r.code).toBe(0)
    expect(r.out).toContain('通过 ACCEPTED')
    expect(r.out).toContain('rows: 1 read, 1 accepted, 0 rejected')
    expect(() => JSON.parse(r.out)).toThrow()
  })
})

/** The `va` of the package's bin, run as its own process in `cwd` (never the repository). */
const bin = new URL('../../functions/cli/va.mjs', import.meta.url).pathname
async function spawnVa(argv: string[], cwd: string, env: Record<string, string> = {}) {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(LANG|LC_|COLUMNS$|VA_|npm_)/.test(k)))
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [bin, ...argv], { cwd, env: { ...clean, ...env } })
    return { code: 0, out: stdout, err: stderr }
  } catch (e) {
    const failed = e as { code: number; stdout: string; stderr: string }
    return { code: failed.code, out: failed.stdout, err: failed.stderr }
  }
}

describe('va as a separate process, from a folder that is not the repository', () => {
  let here: string
  beforeAll(async () => {
    here = join(dir, 'elsewhere')
    await mkdir(join(here, 'files'), { recursive: true })
    await copyFile(exampleFile, join(here, 'files', 'tongjiang.csv'))
  })
  const validate = ['validate', 'files/tongjiang.csv', '--county', '511921', '--period', '2023Q2', '--received-at', '2023-07-05T10:00:00+08:00']

  it('fits validate to a terminal 80 columns wide, one English message a finding, with nothing repeated', async () => {
    const r = await spawnVa(validate, here, { COLUMNS: '80', LANG: 'en_US.UTF-8', VA_HOME: join(here, 'no-state') })
    expect(r.code).toBe(1)
    expect(r.out.split('\n')).toEqual([
      'files/tongjiang.csv: REJECTED  village_report  county 511921  period 2023Q2',
      'rows: 3 read, 1 without errors, 2 with errors (rejected whole: none stored)',
      'findings: rule 1, type 1',
      '',
      'severity  where  code  column      value     message',
      '--------  -----  ----  ----------  --------  -----------------------------------',
      'error     H3     VR01  population  380       population must be at least',
      '                                             households: population 380 is below',
      '                                             households 400; it must be at least',
      '                                             400',
      'error     H4     type  population  一千六百  Not a number, whole number, date or',
      '                                             yes/no as the column needs:',
      '                                             expected a whole number',
      '',
    ])
    expect(Math.max(...r.out.split('\n').map(displayWidth))).toBeLessThanOrEqual(80)
  })

  it('uses the width of a 200-column terminal, in the Chinese locale, and both languages with --lang both', async () => {
    const zh = await spawnVa(validate, here, { COLUMNS: '200', LANG: 'zh_CN.UTF-8', VA_HOME: join(here, 'no-state') })
    expect(zh.code).toBe(1)
    expect(zh.out.split('\n')).toEqual([
      'files/tongjiang.csv: 退回  village_report  county 511921  period 2023Q2',
      'rows: 3 read, 1 without errors, 2 with errors (rejected whole: none stored)',
      'findings: rule 1, type 1',
      '',
      '级别  位置  代码  列      值        说明',
      '----  ----  ----  ------  --------  -------------------------------------------------------------------',
      '错误  H3    VR01  总人口  380       总人口应不少于总户数：总人口 380 少于总户数 400，总人口应不少于 400',
      '错误  H4    type  总人口  一千六百  数据类型不符（数字、整数、日期或是/否）：应为整数',
      '',
    ])
    const both = await spawnVa([...validate, '--lang', 'both'], here, { COLUMNS: '200', LANG: 'zh_CN.UTF-8', VA_HOME: join(here, 'no-state') })
    expect(both.out.split('\n').slice(4)).toEqual([
      'severity  where  code  column      value     message',
      '--------  -----  ----  ----------  --------  ' + '-'.repeat(103),
      'error     H3     VR01  population  380       总人口应不少于总户数：总人口 380 少于总户数 400，总人口应不少于 400',
      '                                             population must be at least households: population 380 is below households 400; it must be at least 400',
      'error     H4     type  population  一千六百  数据类型不符（数字、整数、日期或是/否）：应为整数',
      '                                             Not a number, whole number, date or yes/no as the column needs: expected a whole number',
      '',
    ])
  })

  it('keeps the full text in --json whatever the width', async () => {
    const r = await spawnVa([...validate, '--json'], here, { COLUMNS: '80', VA_HOME: join(here, 'no-state') })
    expect(JSON.parse(r.out).findings[0].message.en).toBe('cell H3, "总人口", value "380": VR01: population must be at least households: population 380 is below households 400; it must be at least 400')
  })

  it('says where it looked for a file and for the local state', async () => {
    const missing = await spawnVa(['validate', 'nope.csv', '--county', '511921', '--period', '2023Q2'], here, { VA_HOME: join(here, 'no-state') })
    expect(missing.code).toBe(2)
    expect(missing.err.split('\n')[0]).toBe(`va validate: no such file: nope.csv (looked at ${join(here, 'nope.csv')})`)
    const noState = await spawnVa(['appraisal', '--period', '2024Q2'], here)
    expect(noState.code).toBe(3)
    expect(noState.err.split('\n')[0]).toBe(`va appraisal: no local state at ${join(here, '.va')} (the default is .va/ in the current folder): run where the state is, set VA_HOME to it, or upload files first (va upload, or va demo)`)
  })

  it('runs va query shut in with the lake: no file outside it is read or written, numbers rounded for display only', async () => {
    const state = { VA_HOME: join(here, 'state') }
    await mkdir(state.VA_HOME, { recursive: true })
    const readOut = await spawnVa(['query', "SELECT * FROM read_csv('/etc/passwd')"], here, state)
    expect([readOut.code, readOut.err.split('\n')[0]]).toEqual([1, 'va: DuckDB could not prepare the query: Permission Error: Cannot access file "/etc/passwd" - file system operations are disabled by configuration'])
    const copy = await spawnVa(['query', `COPY (SELECT 1 AS a) TO '${join(here, 'leak.csv')}'`], here, state)
    expect(copy.code).toBe(1)
    expect(existsSync(join(here, 'leak.csv'))).toBe(false)
    const bad = await spawnVa(['query', 'SELEC 1'], here, state)
    expect(bad.err.match(/syntax error/g)).toHaveLength(1)
    const numbers = await spawnVa(['query', 'SELECT 98.93380358111774::DOUBLE AS x, 3 AS n'], here, state)
    expect(numbers.out).toBe('x      n\n-----  -\n98.93  3\n')
    const json = await spawnVa(['query', 'SELECT 98.93380358111774::DOUBLE AS x', '--json'], here, state)
    expect(JSON.parse(json.out)).toEqual([{ x: 98.93380358111774 }])
  })

  it('under npm run (which moves to the repository) takes paths from the folder npm was started in', async () => {
    const repository = new URL('../..', import.meta.url).pathname
    const r = await spawnVa(validate, repository, { COLUMNS: '80', LANG: 'en_US.UTF-8', VA_HOME: join(here, 'no-state'), npm_lifecycle_event: 'va', INIT_CWD: here })
    expect(r.out.split('\n')[0]).toBe('files/tongjiang.csv: REJECTED  village_report  county 511921  period 2023Q2')
  })

  it('refuses a --lang it does not know', async () => {
    const r = await spawnVa([...validate, '--lang', 'fr'], here)
    expect(r.code).toBe(2)
    expect(r.err.split('\n')[0]).toBe('va validate: --lang is zh, en or both')
  })
})

describe('va --target aws, against a deployment (the emulators standing in for it)', () => {
  let pipeline: LocalPipeline
  let env: Record<string, string>
  const saved = { ...process.env }
  beforeAll(async () => {
    pipeline = await startLocalPipeline({ home: join(dir, 'deployment'), inMemoryDynamo: true, limits: { deadlineDays: 100_000 } })
    const outputs = join(dir, 'va-outputs.json')
    await writeFile(outputs, JSON.stringify({ VillageAppraisal: {
      IngestBucketName: LOCAL_NAMES.ingestBucket, LakeBucketName: LOCAL_NAMES.lakeBucket, SubmissionsTableName: LOCAL_NAMES.submissionsTable,
      AppraisalsTableName: LOCAL_NAMES.appraisalsTable, AthenaWorkGroup: 'village_appraisal', GlueDatabase: 'village_appraisal',
      ScoringOverrides: '{}', AppraisalTopicArn: 'none',
    } }))
    env = {
      VA_STACK_OUTPUTS: outputs, AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER',
      AWS_ENDPOINT_URL_S3: pipeline.s3.endpoint, AWS_ENDPOINT_URL_DYNAMODB: pipeline.dynamo.endpoint,
    }
    // The SDK reads its endpoints and credentials from the process environment.
    Object.assign(process.env, env)
  })
  afterAll(async () => {
    process.env = saved
    await pipeline.close()
  })

  it('uploads through the deployment, waits for its verdict in the submissions table, and shows the status', async () => {
    const lines = (await readFile(exampleFile, 'utf8')).split('\n')
    const good = join(dir, 'aws.csv')
    await writeFile(good, `${lines[0]}\n${lines[1]?.replace('2023Q2', '2026Q4')}\n`)
    const up = await run(['upload', good, '--county', '511921', '--period', '2026Q4', '--target', 'aws', '--json'], env, dir)
    expect(up.code).toBe(0)
    const verdict = JSON.parse(up.out)
    expect(verdict.submission).toMatchObject({ county: '511921', period: '2026Q4', status: 'accepted', object_key: 'uploads/511921/2026Q4/aws.csv' })
    const status = await run(['status', '--county', '511921', '--period', '2026Q4', '--target', 'aws', '--json'], env, dir)
    expect(JSON.parse(status.out).submissions.map((s: { status: string; current: boolean }) => [s.status, s.current])).toEqual([['accepted', true]])
  })

  it('writes the reports of an upload beside the file, and fetches them again by submission id', async () => {
    const lines = (await readFile(exampleFile, 'utf8')).split('\n')
    const folder = join(dir, 'reports-here')
    await mkdir(folder)
    await writeFile(join(folder, 'bad.csv'), `${lines[0]}\n${lines[2]?.replace('2023Q2', '2026Q3')}\n`)
    const up = await run(['upload', 'bad.csv', '--county', '511921', '--period', '2026Q3', '--target', 'aws'], { ...env, COLUMNS: '80' }, folder)
    expect(up.code).toBe(1)
    const id = /submission (\S+) \(rejected\)/.exec(up.out)?.[1]
    expect(up.out.split('\n').slice(-3)).toEqual([`submission ${id} (rejected); reports:`, '  bad.csv.report.json', '  bad.csv.report.csv'])
    expect(JSON.parse(await readFile(join(folder, 'bad.csv.report.json'), 'utf8'))).toMatchObject({ status: 'rejected', counts: { rule: 1 } })
    const fetched = await run(['report', '--submission', id!, '--out-dir', 'again', '--target', 'aws'], env, folder)
    expect(fetched.code).toBe(0)
    expect(fetched.out.split('\n')).toEqual([`again/${id}.report.json`, `again/${id}.report.csv`])
    expect(await readFile(join(folder, 'again', `${id}.report.csv`), 'utf8')).toBe(await readFile(join(folder, 'bad.csv.report.csv'), 'utf8'))
    const unknown = await run(['report', '--submission', 'no-such-id', '--target', 'aws'], env, folder)
    expect([unknown.code, unknown.err]).toEqual([1, `no reports for submission no-such-id in the lake (looked under s3://${LOCAL_NAMES.lakeBucket}/reports/)`])
  })

  it('writes the annotated workbook of a rejected XLSX beside it', async () => {
    const book = new ExcelJS.Workbook()
    await book.xlsx.load(Buffer.from(await buildTemplate('village_report')) as unknown as ArrayBuffer)
    const sheet = book.worksheets[0]!
    const headers = (sheet.getRow(1).values as unknown[]).map((v) => (typeof v === 'string' ? v : ''))
    const cell = (header: string) => sheet.getRow(2).getCell(headers.indexOf(header))
    const village = cell('村代码').text
    cell('报告期').value = '2026Q2'
    cell('总人口').value = '一千六百'
    const folder = join(dir, 'xlsx-here')
    await mkdir(folder)
    await book.xlsx.writeFile(join(folder, '村报表.xlsx'))
    const up = await run(['upload', '村报表.xlsx', '--county', village.slice(0, 6), '--period', '2026q2', '--target', 'aws'], env, folder)
    expect(up.code).toBe(1)
    expect(up.out.split('\n').slice(-3)).toEqual(['  村报表.xlsx.report.json', '  村报表.xlsx.report.csv', '  村报表.xlsx.annotated.xlsx'])
    const annotated = new ExcelJS.Workbook()
    await annotated.xlsx.readFile(join(folder, '村报表.xlsx.annotated.xlsx'))
    expect(annotated.worksheets.length).toBeGreaterThan(1)
  })

  it('says what is missing when the stack outputs are not there', async () => {
    const r = await run(['status', '--county', '511921', '--period', '2026Q4', '--target', 'aws'], { ...env, VA_STACK_OUTPUTS: join(dir, 'missing.json') }, dir)
    expect(r.code).toBe(2)
    expect(r.err).toContain('VA_STACK_OUTPUTS names')
  })
})
