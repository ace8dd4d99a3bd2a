/**
 * Work that misbehaves on purpose, for test/hostile/guarded-worker.test.ts: each export is a
 * way a decoder could hang or grow, run in the guarded worker to prove the guard stops it.
 */

/** Ends with a value: the control. */
export async function sumTo(n: number): Promise<number> {
  let sum = 0
  for (let i = 1; i <= n; i++) sum += i
  return sum
}

/** Never ends, never yields: a synchronous loop. */
export function spin(): never {
  for (;;) {
    // Busy on purpose.
  }
}

/** Never ends and starves every timer of its thread: each await is a microtask. */
export async function starveTimers(): Promise<never> {
  for (;;) await Promise.resolve()
}

/** Waits for a promise that nothing will settle, with nothing else to wait for. */
export async function neverSettle(): Promise<never> {
  return new Promise<never>(() => {})
}

/** Waits forever on a timer that keeps the thread alive but uses no CPU: only a clock sees it. */
export async function waitOnIdleHandle(): Promise<never> {
  setInterval(() => {}, 60_000)
  return new Promise<never>(() => {})
}

/**
 * Takes `mib` MiB of touched memory, 16 MiB at a time, yielding between blocks as a streaming
 * decoder would, and keeps it without ever finishing: however late the watching thread looks,
 * the memory is still there to be seen.
 */
export async function holdForever(mib: number): Promise<never> {
  const kept: Buffer[] = []
  for (let held = 0; held < mib; held += 16) {
    kept.push(Buffer.alloc(16 * 1024 * 1024, 1))
    await new Promise((resolve) => setImmediate(resolve))
  }
  setInterval(() => kept.length, 60_000)
  return new Promise<never>(() => {})
}

/** Ends its thread abruptly, as a native crash would. */
export function exitThread(code: number): never {
  process.exit(code)
}

/** Fails as a bug would: an exception, not a hang. */
export async function fail(message: string): Promise<never> {
  throw new Error(message)
}
