import { mkdir, readFile, rm, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import type { ObjectStore } from '../use-cases/ports.ts'

const INDEX = '.mirror-index.json'

/**
 * Keeps a folder in step with the lake bucket's tables (curated/ and analytics/), so that
 * DuckDB reads the very Parquet objects Athena would. Objects are fetched through the S3 API
 * (the emulator's own files are an implementation detail) and only when their ETag changed;
 * the ETags are remembered in the folder, so a later command fetches only what is new.
 */
export async function syncLakeMirror(store: ObjectStore, bucket: string, dir: string, seen?: Map<string, string>): Promise<void> {
  const known = seen ?? new Map<string, string>()
  if (!seen) {
    try {
      for (const [k, v] of Object.entries(JSON.parse(await readFile(join(dir, INDEX), 'utf8')) as Record<string, string>)) known.set(k, v)
    } catch {
      // No index yet: everything is fetched once.
    }
  }
  const wanted = new Set<string>()
  let changed = false
  for (const prefix of ['curated/', 'analytics/']) {
    for (const o of await store.list(bucket, prefix)) {
      wanted.add(o.key)
      const tag = `${o.etag ?? ''}:${o.size}`
      if (known.get(o.key) === tag) continue
      const bytes = await store.getBytes(bucket, o.key)
      if (!bytes) continue
      const path = join(dir, o.key)
      await mkdir(dirname(path), { recursive: true })
      await writeFile(path, bytes)
      known.set(o.key, tag)
      changed = true
    }
  }
  for (const key of [...known.keys()]) {
    if (!wanted.has(key)) {
      await rm(join(dir, key), { force: true })
      known.delete(key)
      changed = true
    }
  }
  if (changed) {
    await mkdir(dir, { recursive: true })
    await writeFile(join(dir, INDEX), JSON.stringify(Object.fromEntries(known)))
  }
}
