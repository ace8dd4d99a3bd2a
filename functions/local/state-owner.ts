import { randomBytes } from 'node:crypto'
import { link, mkdir, readdir, readFile, rename, rm, stat, unlink, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { LocalStateError } from './local-errors.ts'

/**
 * One owner of a local state folder. The first process to start the pipeline on a folder owns
 * its emulators (s3rver's files, dynalite's LevelDB, which only one process may open) and
 * publishes where they listen in `owner.json`; every other process attaches to them over HTTP.
 *
 * - `owner.json` is created whole or not at all (written aside, then hard-linked: `link` fails
 *   if the name exists), so exactly one process wins.
 * - An owner whose pid is gone (killed) is stale: the next process takes over, under a short
 *   `takeover` lock, after checking again that it is the same dead owner.
 * - An attached process registers under `clients/`; a closing owner first marks itself
 *   `closing` (new processes wait), then waits for the registered ones still alive.
 */

export interface OwnerRecord {
  pid: number
  state: 'starting' | 'ready' | 'closing'
  s3?: string
  dynamo?: string
  since: string
}

export type Acquired =
  | {
    role: 'owner'
    publish(endpoints: { s3: string; dynamo: string }): Promise<void>
    /** Marks the state closing (new processes wait) and waits for the attached ones to end. */
    drain(): Promise<void>
    /** Gives the state up: call once the emulators are closed. */
    release(): Promise<void>
  }
  | { role: 'attached'; owner: OwnerRecord & { s3: string; dynamo: string }; detach(): Promise<void> }

const ownerPath = (home: string) => join(home, 'owner.json')
const clientsDir = (home: string) => join(home, 'clients')

export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM'
  }
}

async function readOwner(home: string): Promise<OwnerRecord | undefined | 'unreadable'> {
  try {
    const parsed = JSON.parse(await readFile(ownerPath(home), 'utf8')) as OwnerRecord
    return typeof parsed.pid === 'number' ? parsed : 'unreadable'
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    if (e instanceof SyntaxError) return 'unreadable'
    throw e
  }
}

async function writeAside(dir: string, body: string): Promise<string> {
  const tmp = join(dir, `.owner-${process.pid}-${randomBytes(4).toString('hex')}.tmp`)
  await writeFile(tmp, body, { flush: true })
  return tmp
}

/** Replaces owner.json whole (only its owner does this). */
async function rewriteOwner(home: string, record: OwnerRecord): Promise<void> {
  const tmp = await writeAside(home, JSON.stringify(record))
  await rename(tmp, ownerPath(home))
}

async function tryCreateOwner(home: string): Promise<boolean> {
  const tmp = await writeAside(home, JSON.stringify({ pid: process.pid, state: 'starting', since: new Date().toISOString() } satisfies OwnerRecord))
  try {
    await link(tmp, ownerPath(home))
    return true
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false
    throw e
  } finally {
    await rm(tmp, { force: true })
  }
}

/** Removes an owner file whose process is gone, once, whoever else tries at the same time. */
async function takeOverStale(home: string, stale: OwnerRecord | 'unreadable'): Promise<void> {
  const lock = join(home, 'takeover.lock')
  try {
    await mkdir(lock)
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e
    // Someone else is taking over; a take-over lock left by a killed process ages out.
    const mtime = await stat(lock).then((st) => st.mtimeMs, () => Date.now())
    if (Date.now() - mtime > 10_000) await rm(lock, { recursive: true, force: true })
    return
  }
  try {
    const again = await readOwner(home)
    const same = again === 'unreadable' ? stale === 'unreadable' : again !== undefined && stale !== 'unreadable' && again.pid === stale.pid && again.since === stale.since
    if (same) await unlink(ownerPath(home)).catch(() => undefined)
  } finally {
    await rm(lock, { recursive: true, force: true })
  }
}

async function liveClients(home: string): Promise<string[]> {
  let names: string[]
  try {
    names = await readdir(clientsDir(home))
  } catch {
    return []
  }
  const live: string[] = []
  for (const name of names) {
    const pid = Number(name.split('-')[0])
    if (Number.isInteger(pid) && pid !== process.pid && pidAlive(pid)) live.push(name)
    else if (Number.isInteger(pid) && !pidAlive(pid)) await rm(join(clientsDir(home), name), { force: true })
  }
  return live
}

export interface AcquireOptions {
  /** Give up waiting for a starting or closing owner after this long (default 120 s). */
  timeoutMs?: number
  /** Told once when the wait is long enough to be noticed. */
  onWait?: (message: string) => void
  /** Refuse to attach: only ownership will do (a command that wipes the state). */
  ownerOnly?: boolean
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** Becomes the owner of the state folder, or attaches to its owner. */
export async function acquireState(home: string, options: AcquireOptions = {}): Promise<Acquired> {
  const timeoutMs = options.timeoutMs ?? Number(process.env['VA_LOCK_TIMEOUT_MS'] ?? 120_000)
  const started = Date.now()
  let told = false
  for (;;) {
    if (await tryCreateOwner(home)) return ownership(home)
    const owner = await readOwner(home)
    if (owner === undefined) continue
    if (owner === 'unreadable' || !pidAlive(owner.pid)) {
      // A torn owner file is only stale once it has had time to be written.
      if (owner !== 'unreadable' || Date.now() - started > 2000) await takeOverStale(home, owner)
      await sleep(50)
      continue
    }
    if (owner.state === 'ready' && owner.s3 && owner.dynamo && !options.ownerOnly) {
      const attached = await attach(home, owner as OwnerRecord & { s3: string; dynamo: string })
      if (attached) return attached
      continue
    }
    const waited = Date.now() - started
    if (waited > timeoutMs) {
      throw new LocalStateError(`the local state ${home} is held by process ${owner.pid} (${owner.state}${options.ownerOnly ? '; this command needs it alone' : ''}); waited ${Math.round(waited / 1000)} s: try again when it ends`)
    }
    if (!told && waited > 1500) {
      told = true
      options.onWait?.(`waiting for the local state ${home}: process ${owner.pid} is ${options.ownerOnly && owner.state === 'ready' ? 'using it' : owner.state}…`)
    }
    await sleep(100)
  }
}

async function attach(home: string, owner: OwnerRecord & { s3: string; dynamo: string }): Promise<Acquired | undefined> {
  await mkdir(clientsDir(home), { recursive: true })
  const mark = join(clientsDir(home), `${process.pid}-${randomBytes(4).toString('hex')}`)
  await writeFile(mark, owner.since)
  // Registered first, checked second: an owner that marked itself closing after this sees us.
  const again = await readOwner(home)
  if (again === undefined || again === 'unreadable' || again.pid !== owner.pid || again.since !== owner.since || again.state !== 'ready') {
    await rm(mark, { force: true })
    return undefined
  }
  return { role: 'attached', owner, detach: () => rm(mark, { force: true }) }
}

function ownership(home: string): Acquired {
  const since = new Date().toISOString()
  let published: OwnerRecord = { pid: process.pid, state: 'starting', since }
  return {
    role: 'owner',
    publish: async ({ s3, dynamo }) => {
      published = { pid: process.pid, state: 'ready', s3, dynamo, since }
      await rewriteOwner(home, published)
    },
    drain: async () => {
      await rewriteOwner(home, { ...published, state: 'closing' })
      // Attached processes finish on these emulators; a bounded wait, then close anyway.
      const until = Date.now() + Number(process.env['VA_CLIENT_WAIT_MS'] ?? 600_000)
      while ((await liveClients(home)).length > 0 && Date.now() < until) await sleep(100)
    },
    release: async () => {
      await unlink(ownerPath(home)).catch(() => undefined)
    },
  }
}

/** The owner as published, if a live one is there (for messages). */
export async function currentOwner(home: string): Promise<OwnerRecord | undefined> {
  const owner = await readOwner(home)
  return owner && owner !== 'unreadable' && pidAlive(owner.pid) ? owner : undefined
}
