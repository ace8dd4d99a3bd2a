import { execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { killRound, runVa } from '../support/kill-harness.ts'
import { planProvince, villageQuarter, villageReportCsv } from '../../functions/demo/generate.ts'

// Real processes, real SIGKILLs (test/support/kill-harness.ts). A few kills here; many rounds
// with `npm run soak:kill`.
describe('va killed for real', () => {
  it('loses no upload and ends equal to a clean run after uploads SIGKILLed at random, two at a time', async () => {
    const result = await killRound({ seed: 3, uploads: 4, parallel: 2, killRate: 0.75, maxKillMs: 8000, log: (l) => console.error(l) })
    // The fault was injected (the seed draws kills), or this test proves nothing.
    expect(result.kills).toBeGreaterThan(0)
    expect(result.lost).toEqual([])
    expect(result.differences).toEqual([])
  }, 600_000)
})

describe.concurrent('faults with a line and a code of their own', () => {
  let dir: string
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'va-faults-'))
    await writeFile(join(dir, 'a.csv'), 'x\n1\n')
  })
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  it('refuses, before uploading, a file name the local store cannot hold (80 Chinese characters, 244 bytes): exit 7', async () => {
    const name = `${'贵'.repeat(80)}.csv`
    await writeFile(join(dir, name), 'x\n1\n')
    const r = await runVa(['upload', name, '--county', '522226', '--period', '2024Q2'], dir, { VA_HOME: join(dir, 'state') }).done
    expect(r.code).toBe(7)
    expect(r.err.trim().split('\n')).toEqual([`va upload: the local store cannot hold the name "${name}": 244 bytes in UTF-8, at most 209; rename the file (S3 on AWS takes keys up to 1,024 bytes); nothing was uploaded`])
  }, 120_000)

  it('deleting the state while an upload runs ends the command (no hang): accepted, or one line with a code of its own', async () => {
    const plan = planProvince({ seed: 4, province: '52', townshipsPerCounty: 2, villagesPerTownship: 20 })
    const county = plan.counties[0]!
    await writeFile(join(dir, 'deleted.csv'), villageReportCsv(county.villages.map((v) => villageQuarter(v, { year: 2024, quarter: 2 }, 4))))
    const home = join(dir, 'deleted-state')
    const run = runVa(['upload', 'deleted.csv', '--county', county.code, '--period', '2024Q2'], dir, { VA_HOME: home })
    // The moment the upload owns the state (owner.json is written), the state goes.
    let owned = false
    run.done.then(() => (owned = true), () => (owned = true))
    for (let i = 0; i < 6000 && !owned && !existsSync(join(home, 'owner.json')); i++) await new Promise((wait) => setTimeout(wait, 20))
    // The process keeps writing while the folder goes: retried until it is gone.
    await rm(home, { recursive: true, force: true, maxRetries: 50, retryDelay: 20 })
    const r = await run.done
    expect([0, 3, 4], r.err).toContain(r.code)
    expect(r.err).not.toMatch(/\n\s+at /)
    if (r.code !== 0) expect(r.err.trim().split('\n')).toHaveLength(1)
  }, 300_000)

  it('says the state is missing with exit 3', async () => {
    const r = await runVa(['reconcile'], dir, { VA_HOME: join(dir, 'nowhere') }).done
    expect([r.code, r.err.trim()]).toEqual([3, `va reconcile: no local state at ${join(dir, 'nowhere')}: nothing to reconcile`])
  }, 120_000)

  it('says the state is read-only with exit 3', async () => {
    const home = join(dir, 'readonly')
    const script = `mkdir -p ${home} && mount -t tmpfs -o size=1m,ro tmpfs ${home} && exec "$@"`
    let r
    try {
      execFileSync('unshare', ['-rm', 'true'])
      r = await runVaIn(['unshare', '-rm', 'sh', '-c', script, 'sh'], ['upload', 'a.csv', '--county', '522226', '--period', '2024Q2'], home)
    } catch {
      console.warn('skipped: unshare -rm (a private mount namespace) is not allowed here')
      return
    }
    expect(r.code).toBe(3)
    expect(r.err.trim()).toBe(`va upload: the local state ${home} is on a read-only file system (EROFS: read-only file system, access '${home}')`)
  }, 120_000)

  it('says the disk is full with exit 5, and hangs nowhere (a 3 MB file system, filled)', async () => {
    const home = join(dir, 'full')
    const script = `mkdir -p ${home} && mount -t tmpfs -o size=3m tmpfs ${home} && head -c 3100000 /dev/zero > ${home}/filler 2>/dev/null; exec "$@"`
    let r
    try {
      execFileSync('unshare', ['-rm', 'true'])
      r = await runVaIn(['unshare', '-rm', 'sh', '-c', script, 'sh'], ['upload', 'a.csv', '--county', '522226', '--period', '2024Q2'], home)
    } catch {
      console.warn('skipped: unshare -rm (a private mount namespace with a small tmpfs) is not allowed here')
      return
    }
    expect(r.code).toBe(5)
    expect(r.err.trim().split('\n')).toHaveLength(1)
    expect(r.err).toContain('the disk is full')
  }, 120_000)

  /** `va` inside a wrapper (a private mount namespace), with the state at `home`. */
  async function runVaIn(wrapper: string[], argv: string[], home: string) {
    const { spawn } = await import('node:child_process')
    const repo = new URL('../..', import.meta.url).pathname
    const child = spawn(wrapper[0]!, [...wrapper.slice(1), join(repo, 'node_modules', '.bin', 'tsx'), join(repo, 'functions', 'cli', 'va.ts'), ...argv], { cwd: dir, env: { ...process.env, VA_HOME: home }, stdio: ['ignore', 'pipe', 'pipe'] })
    let err = ''
    child.stderr.on('data', (d: Buffer) => (err += d.toString()))
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve))
    return { code, err }
  }
})
