/**
 * Runs one exported function of a TypeScript module in a worker thread, bounded by what the
 * work costs rather than by how long the machine took: the CPU time and the resident memory
 * of this process while the call is outstanding. A loaded machine (two test runs on two cores,
 * a build beside them) stretches wall time, not CPU time, so these bounds do not move with it.
 *
 * Why a worker: a runaway decoder may never give its event loop back (an async generator
 * resolved by microtasks starves every timer, vitest's test timeout included), so the watch
 * must be on another thread. This thread samples `process.cpuUsage()`, which on Node 20 is the
 * whole process: the worker, the garbage collector's and libuv's helpers (work done for the
 * call) and this thread, which does nothing but sample while it waits.
 *
 * What counts as a hang, and how each is caught:
 * - work that never ends (a loop, a microtask spin): it burns CPU, and `cpuSeconds` stops it;
 * - a promise that never settles with nothing left to wait for: the worker unrefs its port
 *   while it works, so its event loop empties and the worker exits without an answer;
 * - waiting forever on a handle that never fires (no CPU, loop not empty): only a wall clock
 *   can see that. `backstopSeconds` is that clock, very generous, and it only stops the run
 *   so that the rest of the suite still reports; it is never how a result is judged.
 */
import { Worker } from 'node:worker_threads'

export interface Bounds {
  /** CPU seconds (user + system) of this process while the call runs. */
  cpuSeconds: number
  /** Growth of this process's resident memory while the call runs. */
  rssMiB: number
}

export interface Measured<T> {
  result: T
  cpuSeconds: number
  rssGrowthMiB: number
}

export type OverrunKind = 'cpu' | 'memory' | 'never-settles' | 'backstop' | 'crashed'

/** The call did not come back within its bounds; the worker was ended and will be replaced. */
export class Overrun extends Error {
  constructor(
    message: string,
    readonly kind: OverrunKind,
    readonly cpuSeconds: number,
  ) {
    super(message)
    this.name = 'Overrun'
  }
}

const MIB = 1024 * 1024
/** How often this thread looks at CPU and memory; a late look only stops a runaway later. */
const SAMPLE_MS = 20

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads')
;(async () => {
  const { tsImport } = await import(workerData.tsxApi)
  const mod = await tsImport(workerData.module, workerData.module)
  parentPort.on('message', async ({ name, args }) => {
    // Unreferenced while working: a call stuck on a promise that nothing will settle empties
    // the event loop, and the worker exits instead of waiting forever.
    parentPort.unref()
    try {
      if (typeof mod[name] !== 'function') throw new Error(workerData.module + ' exports no function ' + name)
      parentPort.postMessage({ ok: true, result: await mod[name](...args) })
    } catch (error) {
      parentPort.postMessage({ ok: false, error: String((error && error.stack) || error) })
    }
    parentPort.ref()
  })
  parentPort.postMessage({ ready: true })
})().catch((error) => parentPort.postMessage({ ok: false, error: String((error && error.stack) || error) }))
`

type Reply<T> = { ready: true } | { ok: true; result: T } | { ok: false; error: string }

const cpuSince = (start: NodeJS.CpuUsage) => {
  const { user, system } = process.cpuUsage(start)
  return (user + system) / 1e6
}

type Fn = (...args: never[]) => unknown
type Functions<M> = { [K in keyof M as M[K] extends Fn ? K : never]: M[K] }

/**
 * The functions of one module, called in a worker thread. `M` is the module's type
 * (`typeof import('./module.ts')`); arguments and results must be structured-cloneable.
 */
export class GuardedWorker<M> {
  #worker: Worker | undefined
  #ready: Promise<Worker> | undefined
  readonly #module: string
  readonly #backstopSeconds: number

  /**
   * @param module file URL of a TypeScript module (loaded through tsx in the worker, once)
   * @param backstopSeconds the last-resort wall clock (see the module comment)
   */
  constructor(module: string, options: { backstopSeconds: number }) {
    this.#module = module
    this.#backstopSeconds = options.backstopSeconds
  }

  #start(): Promise<Worker> {
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { tsxApi: import.meta.resolve('tsx/esm/api'), module: this.#module },
      // Belt and braces under the RSS watch: the heap of a runaway call ends the worker.
      resourceLimits: { maxOldGenerationSizeMb: 1024 },
    })
    this.#worker = worker
    // Whenever it happens, an ended worker is replaced by the next call.
    const forget = () => {
      if (this.#worker === worker) {
        this.#worker = undefined
        this.#ready = undefined
      }
    }
    worker.on('error', forget).on('exit', forget)
    return new Promise((resolve, reject) => {
      const onMessage = (m: Reply<unknown>) => {
        worker.off('error', reject).off('exit', onExit)
        if ('ready' in m) resolve(worker)
        else reject(new Error(m.ok ? 'the worker answered before it was ready' : m.error))
      }
      const onExit = (code: number) => reject(new Error(`the worker exited (code ${code}) while loading ${this.#module}`))
      worker.once('message', onMessage).once('error', reject).once('exit', onExit)
    })
  }

  async #end(): Promise<void> {
    const worker = this.#worker
    this.#worker = undefined
    this.#ready = undefined
    await worker?.terminate()
  }

  /** Calls the export `name` with `args`; rejects with an `Overrun` when it leaves its bounds. */
  async run<K extends keyof Functions<M> & string>(
    name: K,
    args: Functions<M>[K] extends Fn ? Parameters<Functions<M>[K]> : never,
    bounds: Bounds,
  ): Promise<Measured<Functions<M>[K] extends Fn ? Awaited<ReturnType<Functions<M>[K]>> : never>> {
    type T = Functions<M>[K] extends Fn ? Awaited<ReturnType<Functions<M>[K]>> : never
    const worker = await (this.#ready ??= this.#start())
    const rssAtStart = process.memoryUsage.rss()
    let rssPeak = rssAtStart
    const cpuAtStart = process.cpuUsage()
    let sampler: NodeJS.Timeout | undefined
    let backstop: NodeJS.Timeout | undefined
    let onMessage: ((m: Reply<T>) => void) | undefined
    let onError: ((error: Error) => void) | undefined
    let onExit: ((code: number) => void) | undefined
    try {
      const result = await new Promise<T>((resolve, reject) => {
        let settled = false
        const fail = (error: Error) => {
          settled = true
          reject(error)
        }
        const overrun = (kind: OverrunKind, why: string) => {
          if (settled) return
          const cpu = cpuSince(cpuAtStart)
          fail(new Overrun(`${why} (CPU used: ${cpu.toFixed(1)} s)`, kind, cpu))
          void this.#end()
        }
        sampler = setInterval(() => {
          rssPeak = Math.max(rssPeak, process.memoryUsage.rss())
          if (rssPeak - rssAtStart > bounds.rssMiB * MIB) overrun('memory', `resident memory grew by more than ${bounds.rssMiB} MiB`)
          else if (cpuSince(cpuAtStart) > bounds.cpuSeconds) overrun('cpu', `no outcome within ${bounds.cpuSeconds} s of CPU time: a hang or runaway work`)
        }, SAMPLE_MS)
        backstop = setTimeout(
          () => overrun('backstop', `no outcome after ${this.#backstopSeconds} s of wall-clock time: waiting on something that never comes (the last-resort backstop stopped it)`),
          this.#backstopSeconds * 1000,
        )
        onMessage = (m) => {
          if ('ready' in m) return
          settled = true
          if (m.ok) resolve(m.result)
          else reject(new Error(m.error))
        }
        onError = (error) => overrun('crashed', `the worker crashed: ${error.stack ?? String(error)}`)
        onExit = (code) => {
          if (code === 0) overrun('never-settles', "the worker's event loop emptied with no outcome: a promise that never settles")
          else overrun('crashed', `the worker exited with code ${code} and no outcome`)
        }
        worker.on('message', onMessage).on('error', onError).on('exit', onExit)
        worker.postMessage({ name, args })
      })
      rssPeak = Math.max(rssPeak, process.memoryUsage.rss())
      return { result, cpuSeconds: cpuSince(cpuAtStart), rssGrowthMiB: (rssPeak - rssAtStart) / MIB }
    } finally {
      clearInterval(sampler)
      clearTimeout(backstop)
      if (onMessage) worker.off('message', onMessage)
      if (onError) worker.off('error', onError)
      if (onExit) worker.off('exit', onExit)
    }
  }

  close(): Promise<void> {
    return this.#end()
  }
}
