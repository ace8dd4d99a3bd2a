import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startVaServe } from '../support/va-serve.ts'
import { planProvince, villageQuarter, villageReportCsv } from '../../functions/demo/generate.ts'
import { parsePeriod } from '../../functions/core/period.ts'
import { portalClient } from '../support/portal-client.ts'

/**
 * `va serve` as a user starts it: its own process on a free port. The test reads the addresses
 * it prints, uploads through the printed S3 endpoint with the AWS SDK as any outside S3 client
 * would, and sees the verdict through the portal's API with a local account.
 */

let stop: (() => Promise<void>) | undefined
let home: string
let printed = ''

beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), 'va-serve-'))
  ;({ printed, stop } = await startVaServe(home, join(home, 'state')))
}, 120_000)

afterAll(async () => {
  await stop?.()
  await rm(home, { recursive: true, force: true })
})

describe('va serve', () => {
  it('prints the portal, the S3 endpoint and the local accounts, marked local-only', () => {
    expect(printed).toMatch(/portal: +http:\/\/127\.0\.0\.1:\d+/)
    expect(printed).toMatch(/S3 endpoint: +http:\/\/127\.0\.0\.1:\d+/)
    expect(printed).toContain('LOCAL ONLY')
    expect(printed).toMatch(/clerk-\d{6} +clerk/)
    expect(printed).toMatch(/city-\d{4} +city/)
    expect(printed).toMatch(/admin-\d{2} +province \d{2} admin/)
    expect(printed).toContain('aws --endpoint-url')
  })

  it('takes an upload from an outside S3 client at the printed endpoint, and the portal shows its verdict', async () => {
    const portalUrl = /portal: +(http:\/\/127\.0\.0\.1:\d+)/.exec(printed)![1]!
    const endpoint = /S3 endpoint: +(http:\/\/127\.0\.0\.1:\d+)/.exec(printed)![1]!
    const county = /clerk-(\d{6})/.exec(printed)![1]!
    const plan = planProvince({ seed: 3, province: county.slice(0, 2), townshipsPerCounty: 1, villagesPerTownship: 2 })
    const c = plan.counties.find((x) => x.code === county)!
    const period = '2026Q3'
    const key = `uploads/${county}/${period}/村报表.csv`
    // As the printed example says: the emulator's access key, path-style, checksums only when required.
    const s3 = new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' }, requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED' })
    await s3.send(new PutObjectCommand({ Bucket: 'ingest', Key: key, Body: villageReportCsv(c.villages.map((v) => villageQuarter(v, parsePeriod(period)!, 3))) }))
    s3.destroy()

    const api = portalClient(portalUrl)
    let submissions: { object_key: string; status: string; current: boolean }[] = []
    // The pipeline works in the background, recording the upload and then making it current: ask
    // until it is settled (bounded by tries, not by time).
    const settled = () => submissions.some((s) => s.current || s.status === 'rejected')
    for (let attempt = 0; attempt < 120 && !settled(); attempt++) {
      const r = await api.get(`clerk-${county}`, `/api/submissions?county=${county}&period=${period}`)
      expect(r.status).toBe(200)
      submissions = r.json.submissions
      if (!settled()) await new Promise((wait) => setTimeout(wait, 250))
    }
    expect(submissions).toEqual([expect.objectContaining({ object_key: key, status: 'accepted', current: true })])
    const other = /clerk-(\d{6})/g
    const counties = [...printed.matchAll(other)].map((m) => m[1]!)
    expect((await api.get(`clerk-${county}`, `/api/submissions?county=${counties.find((x) => x !== county)}&period=${period}`)).status).toBe(403)
  })
})
