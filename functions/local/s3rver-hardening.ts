import { createHash, randomBytes } from 'node:crypto'
import { createWriteStream } from 'node:fs'
import { copyFile, mkdir, readdir, readFile, rename, rm, unlink, writeFile } from 'node:fs/promises'
import { dirname, join, relative } from 'node:path'
import { Transform, type Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'

/**
 * What s3rver 3.7.1 does not do safely, fixed from outside (its options and its store object;
 * node_modules is not patched):
 *
 * - Listing past 1,000 keys: it signs continuation tokens with DES, which Node 20's OpenSSL
 *   refuses (500 on the second page). A middleware in front of its router gives tokens of its
 *   own (the last key, base64url) and turns them back into `start-after`.
 * - Torn objects: it writes an object in place and resolves before the file is flushed, and an
 *   error of the file stream (ENOSPC) is an unhandled 'error' event. Puts and copies here go to
 *   a temporary file that is renamed into place once whole (a PUT cut short leaves nothing), and
 *   every write error fails the request.
 * - Torn metadata files answer every listing with 500: `quarantineTornFiles` moves such an
 *   object aside, with a report, before the emulator serves.
 */

const SUFFIX = (name: string, resource: string) => `${name}._S3rver_${resource}`
const TOKEN_PREFIX = 'va1:'

interface StoreObject {
  bucket: string
  key: string
  content: Readable | Buffer | null
  metadata: Record<string, string>
}

interface FilesystemStore {
  rootDirectory: string
  getResourcePath(bucket: string, key: string, resource: string): string
  putMetadata(bucket: string, key: string, metadata: Record<string, string>, md5?: string): Promise<void>
  getMetadata(bucket: string, key: string): Promise<Record<string, string>>
  putObject(object: StoreObject): Promise<{ size: number; md5: string }>
  copyObject(srcBucket: string, srcKey: string, destBucket: string, destKey: string, replacement?: Record<string, string>): Promise<Record<string, string>>
  listObjects(bucket: string, options: Record<string, unknown>): Promise<{ objects: { key: string }[]; isTruncated: boolean }>
}

interface KoaContext {
  method: string
  path: string
  query: Record<string, string | undefined>
  params?: Record<string, string>
  store: FilesystemStore
  body: unknown
  status: number
}

export interface HardenedS3rver {
  store: FilesystemStore
  middleware: ((ctx: KoaContext, next: () => Promise<void>) => Promise<void>)[]
}

const tmpName = (path: string) => `${path}.va-tmp-${process.pid}-${randomBytes(4).toString('hex')}`

/** Writes a small file whole or not at all. */
async function writeAtomic(path: string, data: string): Promise<void> {
  const tmp = tmpName(path)
  try {
    await writeFile(tmp, data)
    await rename(tmp, path)
  } catch (e) {
    await rm(tmp, { force: true })
    throw e
  }
}

/** A PUT's body to a temporary file, then renamed into place: whole, or nothing (and an error). */
async function putObjectAtomic(store: FilesystemStore, object: StoreObject): Promise<{ size: number; md5: string }> {
  const objectPath = store.getResourcePath(object.bucket, object.key, 'object')
  await mkdir(dirname(objectPath), { recursive: true })
  const tmp = tmpName(objectPath)
  const md5 = createHash('md5')
  let size = 0
  try {
    const counter = new Transform({
      transform(chunk: Buffer, _enc, callback) {
        md5.update(chunk)
        size += chunk.length
        callback(null, chunk)
      },
    })
    const source = Buffer.isBuffer(object.content) || object.content === null
      ? [object.content ?? Buffer.alloc(0)]
      : object.content
    await pipeline(source as Readable, counter, createWriteStream(tmp, { flush: true }))
    const declared = object.metadata['content-length']
    // A request cut short (client killed mid-PUT) is not an object: S3 stores nothing then either.
    if (declared !== undefined && Number(declared) !== size) throw Object.assign(new Error(`incomplete body: ${size} of ${declared} bytes`), { code: 'EINCOMPLETE' })
    const digest = md5.digest('hex')
    await replaceObject(store, object.bucket, object.key, tmp, object.metadata, digest)
    return { size, md5: digest }
  } catch (e) {
    await rm(tmp, { force: true })
    throw e
  }
}

/**
 * Puts a whole temporary file in place of the object. The old checksum goes first, so a kill
 * in between leaves no checksum of another body (s3rver computes a missing one on demand).
 */
async function replaceObject(store: FilesystemStore, bucket: string, key: string, tmp: string, metadata: Record<string, string>, md5: string): Promise<void> {
  const md5Path = store.getResourcePath(bucket, key, 'object.md5')
  await unlink(md5Path).catch((e: NodeJS.ErrnoException) => {
    if (e.code !== 'ENOENT') throw e
  })
  await rename(tmp, store.getResourcePath(bucket, key, 'object'))
  await writeMetadata(store, bucket, key, metadata)
  await writeAtomic(md5Path, md5)
}

const ALLOWED_METADATA = ['cache-control', 'content-disposition', 'content-encoding', 'content-language', 'content-type', 'expires', 'x-amz-storage-class', 'x-amz-website-redirect-location']

async function writeMetadata(store: FilesystemStore, bucket: string, key: string, metadata: Record<string, string>): Promise<void> {
  const json = Object.fromEntries(Object.entries(metadata).filter(([k]) => ALLOWED_METADATA.includes(k) || k.startsWith('x-amz-meta-')))
  await writeAtomic(store.getResourcePath(bucket, key, 'metadata.json'), JSON.stringify(json, null, 2))
}

async function copyObjectAtomic(store: FilesystemStore, srcBucket: string, srcKey: string, destBucket: string, destKey: string, replacement?: Record<string, string>): Promise<Record<string, string>> {
  const src = store.getResourcePath(srcBucket, srcKey, 'object')
  const dest = store.getResourcePath(destBucket, destKey, 'object')
  const metadata = replacement ?? await store.getMetadata(srcBucket, srcKey)
  if (src !== dest) {
    await mkdir(dirname(dest), { recursive: true })
    const tmp = tmpName(dest)
    try {
      await copyFile(src, tmp)
      const md5 = createHash('md5').update(await readFile(tmp)).digest('hex')
      await replaceObject(store, destBucket, destKey, tmp, metadata, md5)
    } catch (e) {
      await rm(tmp, { force: true })
      throw e
    }
  } else {
    await writeMetadata(store, destBucket, destKey, metadata)
  }
  return store.getMetadata(destBucket, destKey)
}

export const encodeListToken = (lastKey: string) => TOKEN_PREFIX + Buffer.from(lastKey, 'utf8').toString('base64url')

function decodeListToken(token: string): string | undefined {
  if (!token.startsWith(TOKEN_PREFIX)) return undefined
  return Buffer.from(token.slice(TOKEN_PREFIX.length), 'base64url').toString('utf8')
}

/**
 * ListObjectsV2 pages with tokens that need no cipher. The store is told nothing is truncated
 * (so s3rver signs no token), and the page is marked truncated again with a token of ours.
 */
function listingTokens() {
  return async (ctx: KoaContext, next: () => Promise<void>) => {
    const isList = ctx.method === 'GET' && ctx.query['list-type'] === '2' && /^\/[^/]+\/?$/.test(ctx.path)
    if (!isList) return next()
    const token = ctx.query['continuation-token']
    if (token) {
      const startAfter = decodeListToken(token)
      if (startAfter === undefined) {
        ctx.status = 400
        ctx.body = { Error: { Code: 'InvalidArgument', Message: 'The continuation token provided is incorrect' } }
        return
      }
      const { 'continuation-token': _t, ...rest } = ctx.query
      ctx.query = { ...rest, 'start-after': startAfter }
    }
    let truncatedAfter: string | undefined
    const store = ctx.store
    ctx.store = Object.assign(Object.create(store) as FilesystemStore, {
      listObjects: async (bucket: string, options: Record<string, unknown>) => {
        const result = await store.listObjects(bucket, options)
        if (result.isTruncated) truncatedAfter = result.objects.at(-1)?.key
        return { ...result, isTruncated: false }
      },
    })
    await next()
    const body = ctx.body as { ListBucketResult?: Record<string, unknown> } | undefined
    const list = body?.ListBucketResult
    if (!list) return
    if (token) {
      delete list['StartAfter']
      list['ContinuationToken'] = token
    }
    if (truncatedAfter !== undefined) {
      list['IsTruncated'] = true
      list['NextContinuationToken'] = encodeListToken(truncatedAfter)
    }
  }
}

/** Applies the fixes to an s3rver instance before `run()` (Koa composes its middleware then). */
export function hardenS3rver(server: HardenedS3rver): void {
  const store = server.store
  store.putObject = (object) => putObjectAtomic(store, object)
  store.copyObject = (srcBucket, srcKey, destBucket, destKey, replacement) => copyObjectAtomic(store, srcBucket, srcKey, destBucket, destKey, replacement)
  // Just before the router, after the XML encoder (which turns ctx.body into XML on the way out).
  server.middleware.splice(server.middleware.length - 1, 0, listingTokens())
}

export interface QuarantinedObject {
  bucket: string
  key: string
  reason: string
  movedTo: string
}

/**
 * Finds objects whose metadata file does not parse (a torn write from before this fix, or a
 * disk fault) and moves each object's files under `quarantineDir`, keeping their paths. The
 * caller reports every one: nothing is skipped silently.
 */
export async function quarantineTornFiles(s3Dir: string, quarantineDir: string): Promise<QuarantinedObject[]> {
  const found: QuarantinedObject[] = []
  const walk = async (dir: string): Promise<void> => {
    let entries
    try {
      entries = await readdir(dir, { withFileTypes: true })
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return
      throw e
    }
    for (const entry of entries) {
      const path = join(dir, entry.name)
      if (entry.isDirectory()) {
        await walk(path)
        continue
      }
      // Leftovers of a write that was killed: never an object, never listed.
      if (entry.name.includes('.va-tmp-')) {
        await rm(path, { force: true })
        continue
      }
      const meta = '._S3rver_metadata.json'
      if (!entry.name.endsWith(meta)) continue
      let reason: string | undefined
      try {
        const parsed: unknown = JSON.parse(await readFile(path, 'utf8'))
        if (parsed === null || typeof parsed !== 'object') reason = 'metadata is not an object'
      } catch (e) {
        reason = `metadata does not parse (${(e as Error).message})`
      }
      if (!reason) continue
      const base = entry.name.slice(0, -meta.length)
      const rel = relative(s3Dir, dir)
      const [bucket = '', ...prefix] = rel.split(/[\\/]/)
      const target = join(quarantineDir, rel)
      await mkdir(target, { recursive: true })
      for (const resource of ['object', 'object.md5', 'metadata.json']) {
        await rename(join(dir, SUFFIX(base, resource)), join(target, SUFFIX(base, resource))).catch((e: NodeJS.ErrnoException) => {
          if (e.code !== 'ENOENT') throw e
        })
      }
      found.push({ bucket, key: [...prefix, base].join('/'), reason, movedTo: join(target, SUFFIX(base, 'object')) })
    }
  }
  await walk(s3Dir)
  return found
}

/** The longest file name (bytes) one path segment may have; s3rver adds `._S3rver_metadata.json`. */
export const LOCAL_SEGMENT_LIMIT = 255 - Buffer.byteLength(SUFFIX('', 'metadata.json')) - '.va-tmp-0000000-00000000'.length

/** The first segment of an object key the local file store cannot hold, if any. */
export function unstorableSegment(key: string): { segment: string; bytes: number; limit: number } | undefined {
  for (const segment of key.split('/')) {
    const bytes = Buffer.byteLength(segment)
    if (bytes > LOCAL_SEGMENT_LIMIT) return { segment, bytes, limit: LOCAL_SEGMENT_LIMIT }
  }
  return undefined
}
