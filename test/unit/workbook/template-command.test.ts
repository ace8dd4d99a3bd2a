/**
 * `va template --dataset <name> [--out <file.xlsx>]` (interfaces.md): writes the template,
 * prints its path, and the file it writes passes `va validate`; mistakes are usage errors.
 */
import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { main } from '../../../functions/cli/va.ts'

let dir: string
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'va-template-'))
})
afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

async function run(argv: string[]) {
  const out: string[] = []
  const err: string[] = []
  const code = await main(argv, { out: (t) => out.push(t), err: (t) => err.push(t), env: { VA_HOME: join(dir, 'no-state') }, cwd: dir, tty: false })
  return { code, out: out.join('\n'), err: err.join('\n') }
}

describe('va template', () => {
  it('writes <dataset>-template.xlsx in the current directory by default and prints its path', async () => {
    const r = await run(['template', '--dataset', 'monitored_households'])
    expect(r).toMatchObject({ code: 0, out: join(dir, 'monitored_households-template.xlsx'), err: '' })
    expect(existsSync(r.out)).toBe(true)
  })

  it('writes to --out (relative to the current directory), and va validate accepts the file', async () => {
    await mkdir(join(dir, 'out'), { recursive: true })
    const r = await run(['template', '--dataset', 'village_report', '--out', 'out/t.xlsx'])
    expect(r).toMatchObject({ code: 0, out: join(dir, 'out', 't.xlsx') })
    const v = await run(['validate', r.out, '--county', '511921', '--period', '2023Q2', '--received-at', '2023-07-05T10:00:00+08:00', '--json'])
    expect(v.code).toBe(0)
    expect(JSON.parse(v.out)).toMatchObject({ dataset: 'village_report', status: 'accepted', findings: [] })
  })

  it.each([
    [['template'], '--dataset is one of village_report, monitored_households, org_units'],
    [['template', '--dataset', 'villages'], '--dataset is one of'],
    [['template', 'village_report'], 'unexpected argument "village_report"'],
    [['template', '--dataset', 'org_units', '--out', 'registry.csv'], '--out must name an .xlsx file'],
    [['template', '--dataset', 'org_units', '--out', 'missing/dir/t.xlsx'], 'no such directory'],
    [['template', '--dataset', 'org_units', '--bogus'], "Unknown option '--bogus'"],
  ])('%j is a usage error (exit 2) saying %s', async (argv, message) => {
    const r = await run(argv)
    expect(r.code).toBe(2)
    expect(r.err).toContain(message)
    expect(r.err).toContain('Usage: va template --dataset <name> [--out <file.xlsx>]')
  })

  it('--help prints its usage and exits 0', async () => {
    const r = await run(['template', '--help'])
    expect(r.code).toBe(0)
    expect(r.out).toContain('Usage: va template')
  })
})
