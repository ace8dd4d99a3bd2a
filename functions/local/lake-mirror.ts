import { mkdir, rm, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import type { ObjectStore } from '../use-cases/ports.ts'

/**
 * Keeps a folder in step with the lake bucket's tables (curated/ and analytics/), so that
 * DuckDB reads the very Parquet objects Athena would. Objects are fetched through the S3 API
 * (the emulator's own files are an implementation detail) and only when their ETag changed.
 */
export async function syncLakeMirror(store: ObjectStore, bucket: string, dir: string, seen = new Map<string, string>()): Promise<void> {
  const wanted = new Set<string>()
  for (const prefix of ['curated/', 'analytics/']) {
    for (const o of await store.list(bucket, prefix)) {
      wanted.add(o.key)
      const tag = `${o.etag ?? ''}:${o.size}`
      if (seen.get(o.key) === tag) continue
      const bytes = await store.getBytes(bucket, o.key)
      if (!bytes) continue
      const path = join(dir, o.key)
      await mkdir(dirname(path), { recursive: true })
      await writeFile(path, bytes)
      seen.set(o.key, tag)
    }
  }
  for (const key of [...seen.keys()]) {
    if (!wanted.has(key)) {
      await rm(join(dir, key), { force: true })
      seen.delete(key)
    }
  }
}
