/**
 * The guard the hostile corpus runs under (test/support/guarded-worker.ts) stops each kind of
 * hang and growth it claims to, judged by CPU time and memory, so that a loaded machine neither
 * fails a sound case nor hides a runaway one.
 */
import { afterAll, describe, expect, it } from 'vitest'
import { GuardedWorker, Overrun, type OverrunKind } from '../support/guarded-worker.ts'

type RunawayWork = typeof import('../support/runaway-work.ts')
const MODULE = new URL('../support/runaway-work.ts', import.meta.url).href
/** Small bounds: a runaway is stopped in well under a second of CPU. */
const BOUNDS = { cpuSeconds: 0.5, rssMiB: 100 }
/** For calls that must come back: far more than they need, however loaded the machine. */
const ROOMY = { cpuSeconds: 60, rssMiB: 300 }

/** The rejection of `run`, which must be an Overrun. */
async function overrun(run: Promise<unknown>): Promise<{ kind: OverrunKind; cpuSeconds: number; message: string }> {
  const error: unknown = await run.then(
    (value) => ({ resolved: value }),
    (e: unknown) => e,
  )
  expect(error).toBeInstanceOf(Overrun)
  const { kind, cpuSeconds, message } = error as Overrun
  return { kind, cpuSeconds, message }
}

describe('a guarded worker', () => {
  // The clock is the last resort; no call here is meant to reach it but the one that tests it.
  const worker = new GuardedWorker<RunawayWork>(MODULE, { backstopSeconds: 900 })
  afterAll(() => worker.close())

  it('returns what the call returns, and more CPU seconds for more work', async () => {
    const light = await worker.run('sumTo', [1000], ROOMY)
    expect(light.result).toBe(500_500)
    const heavy = await worker.run('sumTo', [300_000_000], ROOMY)
    expect(heavy.cpuSeconds).toBeGreaterThan(light.cpuSeconds)
  })

  it('stops a synchronous loop once it has used its CPU seconds', async () => {
    const { kind, cpuSeconds, message } = await overrun(worker.run('spin', [], BOUNDS))
    expect(kind).toBe('cpu')
    expect(cpuSeconds).toBeGreaterThan(BOUNDS.cpuSeconds)
    expect(message).toContain('no outcome within 0.5 s of CPU time')
  })

  it('stops an async loop that starves its own thread of timers', async () => {
    const { kind, cpuSeconds } = await overrun(worker.run('starveTimers', [], BOUNDS))
    expect(kind).toBe('cpu')
    expect(cpuSeconds).toBeGreaterThan(BOUNDS.cpuSeconds)
  })

  it('reports a promise that never settles as soon as nothing is left to wait for, using no clock', async () => {
    const { kind, message } = await overrun(worker.run('neverSettle', [], ROOMY))
    expect(kind).toBe('never-settles')
    expect(message).toContain('a promise that never settles')
  })

  it('stops a call whose resident memory grows past its bound', async () => {
    const { kind, message } = await overrun(worker.run('holdForever', [200], { cpuSeconds: 60, rssMiB: 100 }))
    expect(kind).toBe('memory')
    expect(message).toContain('resident memory grew by more than 100 MiB')
  })

  it('passes an exception on as it is, not as a hang', async () => {
    await expect(worker.run('fail', ['a bug'], ROOMY)).rejects.toThrow(/^Error: a bug/)
  })

  it('reports a worker that exits with no outcome as crashed', async () => {
    const { kind, message } = await overrun(worker.run('exitThread', [3], ROOMY))
    expect(kind).toBe('crashed')
    expect(message).toContain('the worker exited with code 3 and no outcome')
  })

  it('starts a fresh worker after one was stopped', async () => {
    await overrun(worker.run('spin', [], BOUNDS))
    expect((await worker.run('sumTo', [10], ROOMY)).result).toBe(55)
  })
})

describe('the last-resort wall clock', () => {
  it('stops a call that waits forever on an idle handle, which neither CPU nor an empty loop reveals', async () => {
    const worker = new GuardedWorker<RunawayWork>(MODULE, { backstopSeconds: 1 })
    try {
      const { kind, message } = await overrun(worker.run('waitOnIdleHandle', [], ROOMY))
      expect(kind).toBe('backstop')
      expect(message).toContain('the last-resort backstop stopped it')
    } finally {
      await worker.close()
    }
  })
})
