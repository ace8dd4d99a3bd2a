import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises'
import { request } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PutObjectCommand } from '@aws-sdk/client-s3'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { S3ObjectStore } from '../../functions/adapters/s3-object-store.ts'
import { LOCAL_NAMES, startS3Emulator, type S3Emulator } from '../../functions/local/emulators.ts'
import { quarantineTornFiles, unstorableSegment } from '../../functions/local/s3rver-hardening.ts'

let dir: string
let s3: S3Emulator
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'va-store-'))
  s3 = await startS3Emulator(join(dir, 's3'))
})
afterAll(async () => {
  await s3.close()
  await rm(dir, { recursive: true, force: true })
})

describe('the hardened local S3 store', () => {
  it('lists 2,500 objects under one prefix, past the 1,000 of one page (no DES tokens)', async () => {
    const keys = Array.from({ length: 2500 }, (_, i) => `raw/522226/2024Q2/${String(i).padStart(5, '0')}-报表.csv`)
    for (let i = 0; i < keys.length; i += 50) {
      await Promise.all(keys.slice(i, i + 50).map((Key) => s3.client.send(new PutObjectCommand({ Bucket: LOCAL_NAMES.lakeBucket, Key, Body: Key }))))
    }
    await s3.client.send(new PutObjectCommand({ Bucket: LOCAL_NAMES.lakeBucket, Key: 'raw/other/x.csv', Body: 'x' }))
    const listed = await new S3ObjectStore(s3.client).list(LOCAL_NAMES.lakeBucket, 'raw/522226/')
    expect(listed.map((o) => o.key)).toEqual([...keys].sort())
    expect(listed[0]!.lastModified).toBeInstanceOf(Date)
  }, 120_000)

  it('keeps nothing of a PUT cut short (the client gone mid-body)', async () => {
    const url = new URL(`${s3.endpoint}/${LOCAL_NAMES.ingestBucket}/uploads/522226/2024Q2/cut.csv`)
    await new Promise<void>((resolve) => {
      const req = request(url, { method: 'PUT', headers: { 'content-length': '100000' } })
      req.on('error', () => resolve())
      req.write('a'.repeat(1000), () => setTimeout(() => {
        req.destroy()
        resolve()
      }, 100))
    })
    await new Promise((r) => setTimeout(r, 300))
    expect(await new S3ObjectStore(s3.client).exists(LOCAL_NAMES.ingestBucket, 'uploads/522226/2024Q2/cut.csv')).toBe(false)
    const left = await readdir(join(dir, 's3', LOCAL_NAMES.ingestBucket, 'uploads', '522226', '2024Q2')).catch(() => [])
    expect(left.filter((f) => f.startsWith('cut.csv'))).toEqual([])
  })

  it('quarantines an object whose metadata file is torn, and says which', async () => {
    const store = new S3ObjectStore(s3.client)
    await store.put(LOCAL_NAMES.lakeBucket, 'reports/torn.json', '{}')
    await writeFile(join(dir, 's3', LOCAL_NAMES.lakeBucket, 'reports', 'torn.json._S3rver_metadata.json'), '{"content-ty')
    const found = await quarantineTornFiles(join(dir, 's3'), join(dir, 'quarantine'))
    expect(found.map((f) => [f.bucket, f.key])).toEqual([[LOCAL_NAMES.lakeBucket, 'reports/torn.json']])
    expect(await store.exists(LOCAL_NAMES.lakeBucket, 'reports/torn.json')).toBe(false)
    expect(await readdir(join(dir, 'quarantine', LOCAL_NAMES.lakeBucket, 'reports'))).toContain('torn.json._S3rver_object')
  })

  it.each([
    ['uploads/522226/2024Q2/报表.csv', undefined],
    [`uploads/522226/2024Q2/${'贵'.repeat(80)}.csv`, 244],
  ])('refuses before uploading a name the file store cannot hold: %s', (key, bytes) => {
    expect(unstorableSegment(key)?.bytes).toBe(bytes)
  })
})
