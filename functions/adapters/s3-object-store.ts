import { createReadStream } from 'node:fs'
import { readFile, stat } from 'node:fs/promises'
import {
  CopyObjectCommand, DeleteObjectCommand, GetObjectCommand, HeadObjectCommand, ListObjectsV2Command,
  PutObjectCommand, S3Client, S3ServiceException, type S3ClientConfig,
} from '@aws-sdk/client-s3'
import { StorageError } from '../core/errors.ts'
import type { ListedObject, ObjectStore, PutOptions, StoredObject } from '../use-cases/ports.ts'

export { StorageError }

/**
 * Files up to this size are put from memory: the SDK retries a buffered body after a dropped
 * connection ("socket hang up"), but cannot rewind a stream. Larger ones (raw uploads, big
 * staged tables) are streamed.
 */
export const BUFFERED_PUT_BYTES = 64 * 1024 * 1024

/**
 * S3 client settings shared by AWS and the embedded emulator. Checksums only when required:
 * otherwise streamed uploads to the emulator are stored with aws-chunked framing inside
 * (TOOLCHAIN.md), and AWS accepts either.
 */
export function s3ClientConfig(endpoint?: string): S3ClientConfig {
  const base: S3ClientConfig = { requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED' }
  // An S3-compatible endpoint set through the SDK's own AWS_ENDPOINT_URL_S3 (the emulator in
  // tests) has no per-bucket host names: address buckets by path there.
  if (!endpoint) return process.env['AWS_ENDPOINT_URL_S3'] ? { ...base, forcePathStyle: true } : base
  return { ...base, endpoint, forcePathStyle: true, region: 'us-east-1', credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } }
}

function decodeMetadata(m: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(m).map(([k, v]) => {
    try {
      return [k.toLowerCase(), decodeURIComponent(v)]
    } catch {
      return [k.toLowerCase(), v]
    }
  }))
}

const notFound = (e: unknown) =>
  e instanceof S3ServiceException && (e.name === 'NoSuchKey' || e.name === 'NotFound' || e.$metadata?.httpStatusCode === 404)

export class S3ObjectStore implements ObjectStore {
  constructor(private readonly s3: S3Client) {}

  async get(bucket: string, key: string, versionId?: string): Promise<StoredObject | undefined> {
    try {
      const r = await this.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key, VersionId: versionId }))
      const out: StoredObject = { body: r.Body as AsyncIterable<Uint8Array>, size: r.ContentLength ?? 0 }
      if (r.VersionId) out.versionId = r.VersionId
      if (r.ETag) out.etag = r.ETag
      if (r.Metadata) out.metadata = decodeMetadata(r.Metadata)
      return out
    } catch (e) {
      if (notFound(e)) return undefined
      throw new StorageError(`Cannot read s3://${bucket}/${key}`, { cause: e })
    }
  }

  async getBytes(bucket: string, key: string, versionId?: string): Promise<Uint8Array | undefined> {
    const o = await this.get(bucket, key, versionId)
    if (!o) return undefined
    const chunks: Uint8Array[] = []
    for await (const c of o.body) chunks.push(c)
    return Buffer.concat(chunks)
  }

  async put(bucket: string, key: string, body: Uint8Array | string, options: PutOptions = {}): Promise<{ versionId?: string }> {
    return this.send(bucket, key, body, typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength, options)
  }

  async putFile(bucket: string, key: string, path: string, options: PutOptions = {}): Promise<{ versionId?: string }> {
    let size: number
    try {
      size = (await stat(path)).size
    } catch (cause) {
      throw new StorageError(`Cannot read ${path} to put it at s3://${bucket}/${key}`, { cause })
    }
    const body = size <= BUFFERED_PUT_BYTES ? await readFile(path) : createReadStream(path)
    return this.send(bucket, key, body, size, options)
  }

  private async send(bucket: string, key: string, body: NonNullable<PutObjectCommand['input']['Body']>, size: number, options: PutOptions): Promise<{ versionId?: string }> {
    try {
      const r = await this.s3.send(new PutObjectCommand({
        Bucket: bucket, Key: key, Body: body, ContentLength: size,
        ContentType: options.contentType ?? 'application/octet-stream',
        ...(options.ifNoneMatch ? { IfNoneMatch: '*' } : {}),
        ...(options.metadata ? { Metadata: Object.fromEntries(Object.entries(options.metadata).map(([k, v]) => [k, encodeURIComponent(v)])) } : {}),
      }))
      return r.VersionId ? { versionId: r.VersionId } : {}
    } catch (e) {
      // A write-once copy that already exists is the expected outcome of a retry.
      if (options.ifNoneMatch && e instanceof S3ServiceException && (e.$metadata?.httpStatusCode === 412 || e.name === 'PreconditionFailed')) return {}
      throw new StorageError(`Cannot write s3://${bucket}/${key}`, { cause: e })
    }
  }

  async copy(bucket: string, fromKey: string, toKey: string): Promise<void> {
    try {
      await this.s3.send(new CopyObjectCommand({ Bucket: bucket, Key: toKey, CopySource: `${bucket}/${encodeURI(fromKey)}` }))
    } catch (e) {
      throw new StorageError(`Cannot copy s3://${bucket}/${fromKey} to ${toKey}`, { cause: e })
    }
  }

  async head(bucket: string, key: string): Promise<{ size: number; metadata: Record<string, string>; versionId?: string; lastModified?: Date } | undefined> {
    try {
      const r = await this.s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }))
      return {
        size: r.ContentLength ?? 0, metadata: decodeMetadata(r.Metadata ?? {}),
        ...(r.VersionId ? { versionId: r.VersionId } : {}), ...(r.LastModified ? { lastModified: r.LastModified } : {}),
      }
    } catch (e) {
      if (notFound(e)) return undefined
      throw new StorageError(`Cannot look at s3://${bucket}/${key}`, { cause: e })
    }
  }

  async exists(bucket: string, key: string): Promise<boolean> {
    try {
      await this.s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }))
      return true
    } catch (e) {
      if (notFound(e)) return false
      throw new StorageError(`Cannot look at s3://${bucket}/${key}`, { cause: e })
    }
  }

  async list(bucket: string, prefix: string): Promise<ListedObject[]> {
    const out: ListedObject[] = []
    let token: string | undefined
    do {
      let r
      try {
        r = await this.s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }))
      } catch (e) {
        throw new StorageError(`Cannot list s3://${bucket}/${prefix}`, { cause: e })
      }
      for (const o of r.Contents ?? []) {
        if (o.Key) out.push({ key: o.Key, size: o.Size ?? 0, ...(o.ETag ? { etag: o.ETag } : {}), ...(o.LastModified ? { lastModified: o.LastModified } : {}) })
      }
      token = r.IsTruncated ? r.NextContinuationToken : undefined
    } while (token)
    return out
  }

  async delete(bucket: string, key: string): Promise<void> {
    try {
      await this.s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }))
    } catch (e) {
      throw new StorageError(`Cannot delete s3://${bucket}/${key}`, { cause: e })
    }
  }
}
