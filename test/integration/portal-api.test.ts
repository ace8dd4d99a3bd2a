import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PutObjectCommand } from '@aws-sdk/client-s3'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { planProvince, registryCsv, villageQuarter, villageReportCsv, type ProvincePlan } from '../../functions/demo/generate.ts'
import { LOCAL_NAMES } from '../../functions/local/emulators.ts'
import { startLocalPortal, type LocalPortal } from '../../functions/local/portal-server.ts'
import { parsePeriod } from '../../functions/core/period.ts'
import { portalClient } from '../support/portal-client.ts'

/**
 * Every route of the portal's API against the real emulators and DuckDB, through the local
 * server and locally issued tokens: the same Lambda handler as behind API Gateway.
 */

const PERIOD = '2026Q3'
let home: string
let portal: LocalPortal
let api: ReturnType<typeof portalClient>
let plan: ProvincePlan
let cityA: string
let cityB: string
let countyA1: string
let countyA2: string
let countyB: string

async function putAndWait(key: string, body: string) {
  const verdict = portal.pipeline.verdictFor(key)
  await portal.pipeline.s3.client.send(new PutObjectCommand({ Bucket: LOCAL_NAMES.ingestBucket, Key: key, Body: body }))
  return verdict
}

function report(county: string): string {
  const c = plan.counties.find((x) => x.code === county)!
  return villageReportCsv(c.villages.map((v) => villageQuarter(v, parsePeriod(PERIOD)!, 7)))
}

beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), 'va-portal-'))
  plan = planProvince({ seed: 7, province: '52', townshipsPerCounty: 1, villagesPerTownship: 2 })
  // The local city official is the official of the first city by code.
  ;[cityA, cityB] = plan.cities.map((c) => c.code).sort() as [string, string]
  ;[countyA1, countyA2] = plan.counties.filter((c) => c.city === cityA).map((c) => c.code) as [string, string]
  countyB = plan.counties.find((c) => c.city === cityB)!.code
  portal = await startLocalPortal({ home, inMemoryDynamo: true, staticDir: join(home, 'no-page') })
  expect((await putAndWait('registry/org_units/registry.csv', registryCsv(plan))).report.status).toBe('accepted')
  for (const county of [countyA2, countyB]) expect((await putAndWait(`uploads/${county}/${PERIOD}/村报表.csv`, report(county))).report.status).toBe('accepted')
  api = portalClient(portal.url)
}, 120_000)

afterAll(async () => {
  await portal?.close()
  await rm(home, { recursive: true, force: true })
})

const clerkA1 = () => `clerk-${countyA1}`
const cityOfficial = () => `city-${cityA}`
const admin = 'admin-52'

describe('signing in', () => {
  it('lists the local accounts: one clerk per county, one city official, one province admin', async () => {
    const r = await api.get(undefined, '/api/local/accounts')
    expect(r.status).toBe(200)
    expect(r.json.filter((a: { role: string }) => a.role === 'clerk')).toHaveLength(plan.counties.length)
    expect(r.json).toContainEqual(expect.objectContaining({ account: `city-${cityA}`, role: 'city', city: cityA, admin: false }))
    expect(r.json).toContainEqual(expect.objectContaining({ account: admin, role: 'province', province: '52', admin: true }))
  })

  it('answers 401 without a token or with a forged one, and names the signed-in clerk with the open quarters', async () => {
    expect((await api.get(undefined, '/api/me')).status).toBe(401)
    const forged = await fetch(`${portal.url}/api/me`, { headers: { authorization: 'Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4IiwicHJvdmluY2UiOiI1MiIsImFkbWluIjp0cnVlfQ.' } })
    expect(forged.status).toBe(401)
    const me = await api.get(clerkA1(), '/api/me')
    expect(me.status).toBe(200)
    expect(me.json).toMatchObject({ subject: clerkA1(), county: countyA1, admin: false })
    expect(me.json.open_periods).toContain(PERIOD)
  })
})

describe('a clerk', () => {
  it('uploads through a presigned POST and reads the verdict, the report and its files', async () => {
    const body = report(countyA1)
    const slot = await api.post(clerkA1(), '/api/uploads', { kind: 'upload', period: PERIOD, file_name: '村报表.csv', size: Buffer.byteLength(body) })
    expect(slot.status).toBe(200)
    expect(slot.json.key).toBe(`uploads/${countyA1}/${PERIOD}/村报表.csv`)
    const verdict = portal.pipeline.verdictFor(slot.json.key)
    const sent = await api.postForm(slot.json, body)
    expect(sent.status).toBe(204)
    await verdict

    const status = await api.get(clerkA1(), `/api/submissions?county=${countyA1}&period=${PERIOD}`)
    expect(status.status).toBe(200)
    expect(status.json).toMatchObject({ county: countyA1, period: PERIOD, submissions: [expect.objectContaining({ dataset: 'village_report', status: 'accepted', current: true, object_key: slot.json.key })] })
    const reportKey = status.json.submissions[0].report_key as string
    const rep = await api.get(clerkA1(), `/api/submissions/report?key=${encodeURIComponent(reportKey)}`)
    expect(rep.json).toMatchObject({ dataset: 'village_report', county: countyA1, period: PERIOD, status: 'accepted' })

    const file = await api.get(clerkA1(), `/api/files?key=${encodeURIComponent(reportKey.replace(/\.json$/, '.csv'))}`)
    expect(file.status).toBe(200)
    const csv = await fetch(file.json.url)
    expect(csv.status).toBe(200)
    expect(Buffer.from(await csv.arrayBuffer()).toString('utf8').startsWith('\ufeff严重程度 severity')).toBe(true)
    // The signature covers the key: another county's report through the same URL is refused.
    const moved = await fetch(file.json.url.replace(countyA1, countyB))
    expect(moved.status).toBe(403)
  })

  it('cannot stretch a presigned POST: a longer file, another key or an unsigned field is refused', async () => {
    const slot = await api.post(clerkA1(), '/api/uploads', { kind: 'upload', period: PERIOD, file_name: 'x.csv', size: 5 })
    expect(slot.status).toBe(200)
    expect((await api.postForm(slot.json, '123456')).status).toBe(403)
    expect((await api.postForm(slot.json, '12345', { key: `uploads/${countyB}/${PERIOD}/x.csv` })).status).toBe(403)
    expect((await api.postForm(slot.json, '12345', { 'x-amz-meta-extra': 'y' })).status).toBe(403)
    expect(await portal.pipeline.deps.store.exists(LOCAL_NAMES.ingestBucket, `uploads/${countyB}/${PERIOD}/x.csv`)).toBe(false)
  })

  it('signs a targets slot for a city official with the city fixed as the scope: another city\'s county is outside_county, its verdict and report read back by the key; a clerk gets 403', async () => {
    // 2025: the quarter appraised below (2026Q3) is not scored on these milestones.
    const body = ['年度,县代码,指标,一季度目标,二季度目标,三季度目标,四季度目标', `2025,${countyA1},风险消除率,0.1,0.2,0.3,0.4`, `2025,${countyB},风险消除率,0.1,0.2,0.3,0.4`].join('\n')
    const slot = await api.post(cityOfficial(), '/api/uploads', { kind: 'targets', file_name: '目标.csv', size: Buffer.byteLength(body) })
    expect([slot.status, slot.json.key, slot.json.fields['x-amz-meta-scope']]).toEqual([200, 'registry/targets/目标.csv', cityA])
    // The scope is in the signed policy: a widened scope is refused.
    expect((await api.postForm(slot.json, body, { 'x-amz-meta-scope': '52' })).status).toBe(403)
    const verdict = portal.pipeline.verdictFor(slot.json.key)
    expect((await api.postForm(slot.json, body)).status).toBe(204)
    const { submission, report: checked } = await verdict
    expect([submission.county, submission.dataset, submission.status]).toEqual(['targets', 'targets', 'rejected'])
    expect(checked.findings.map((f) => [f.code, f.row, f.value])).toEqual([['outside_county', 2, countyB]])
    // The administration page waits on the file's own submissions, and reads its report like a county's.
    const listed = await api.get(cityOfficial(), `/api/uploads/submissions?key=${encodeURIComponent(slot.json.key)}`)
    expect([listed.status, listed.json.submissions.map((s: { submission_id: string; status: string }) => [s.submission_id, s.status])]).toEqual([200, [[submission.submission_id, 'rejected']]])
    const report = await api.get(cityOfficial(), `/api/submissions/report?key=${encodeURIComponent(submission.report_key)}`)
    expect([report.status, report.json.findings.map((f: { code: string }) => f.code)]).toEqual([200, ['outside_county']])
    expect((await api.get(cityOfficial(), `/api/files?key=${encodeURIComponent(submission.report_key.replace(/\.json$/, '.csv'))}`)).status).toBe(200)
    expect((await api.get(clerkA1(), `/api/uploads/submissions?key=${encodeURIComponent(slot.json.key)}`)).status).toBe(403)
    expect((await api.get(clerkA1(), `/api/submissions/report?key=${encodeURIComponent(submission.report_key)}`)).status).toBe(403)
    expect((await api.get(cityOfficial(), `/api/uploads/submissions?key=${encodeURIComponent(`uploads/${countyA1}/${PERIOD}/x.csv`)}`)).status).toBe(400)
    const bySlot = await api.post(admin, '/api/uploads', { kind: 'targets', file_name: 't.csv', size: 10 })
    expect([bySlot.status, bySlot.json.fields['x-amz-meta-scope']]).toEqual([200, '52'])
    expect((await api.post(clerkA1(), '/api/uploads', { kind: 'targets', file_name: 't.csv', size: 10 })).status).toBe(403)
  })

  it('gets 403 for another county and for what only officials do, 400 for a bad request', async () => {
    expect((await api.post(clerkA1(), '/api/uploads', { kind: 'upload', county: countyB, period: PERIOD, file_name: 'a.csv', size: 10 })).status).toBe(403)
    expect((await api.post(clerkA1(), '/api/uploads', { kind: 'registry', file_name: 'a.csv', size: 10 })).status).toBe(403)
    expect((await api.post(clerkA1(), '/api/uploads', { kind: 'upload', period: PERIOD, file_name: '../a.csv', size: 10 })).json.error.code).toBe('bad_file_name')
    expect((await api.post(clerkA1(), '/api/uploads', { kind: 'upload', period: PERIOD, file_name: 'a.csv', size: 10 ** 12 })).json.error.code).toBe('file_too_large')
    const refused = await api.get(clerkA1(), `/api/submissions?county=${countyB}&period=${PERIOD}`)
    expect(refused.status).toBe(403)
    expect(refused.json).toEqual({ error: { code: 'out_of_scope', message: { zh: expect.any(String), en: expect.any(String) } } })
    expect((await api.get(clerkA1(), `/api/appraisals?county=${countyB}`)).status).toBe(403)
    expect((await api.get(clerkA1(), `/api/regions/${cityA}/${PERIOD}`)).status).toBe(403)
    expect((await api.post(clerkA1(), `/api/appraisals/${PERIOD}/run`)).status).toBe(403)
    expect((await api.get(clerkA1(), `/api/submissions?county=${countyA1}&period=2026Q9`)).status).toBe(400)
  })

  it('downloads a template', async () => {
    const r = await api.get(clerkA1(), '/api/templates/village_report')
    expect(r.status).toBe(200)
    expect(r.headers.get('content-type')).toContain('spreadsheetml')
    expect(Buffer.from(r.bytes.slice(0, 2)).toString('latin1')).toBe('PK')
    expect((await api.get(clerkA1(), '/api/templates/nothing')).status).toBe(404)
  })
})

describe('the appraisal', () => {
  it('is run by the admin, then read within each scope', async () => {
    expect((await api.post(cityOfficial(), `/api/appraisals/${PERIOD}/run`)).status).toBe(403)
    const run = await api.post(admin, `/api/appraisals/${PERIOD}/run`)
    expect(run.status).toBe(200)
    expect(run.json).toMatchObject({ period: PERIOD, status: 'done', counties: 3, published: false })

    const all = await api.get(admin, `/api/appraisals/${PERIOD}`)
    expect(all.json.counties.map((c: { county: string }) => c.county).sort()).toEqual([countyA1, countyA2, countyB].sort())
    const city = await api.get(cityOfficial(), `/api/appraisals/${PERIOD}`)
    expect(city.json.counties.map((c: { county: string }) => c.county).sort()).toEqual([countyA1, countyA2].sort())
    expect(city.json.missing_counties.every((c: { county: string }) => c.county.startsWith(cityA))).toBe(true)
    expect((await api.get(cityOfficial(), `/api/appraisals/${PERIOD}?county=${countyB}`)).status).toBe(403)
    expect((await api.get(cityOfficial(), `/api/appraisals/${PERIOD}?city=${cityB}`)).status).toBe(403)
    const mine = await api.get(clerkA1(), `/api/appraisals/${PERIOD}`)
    expect(mine.json.counties.map((c: { county: string }) => c.county)).toEqual([countyA1])
    expect(mine.json.counties[0]).toMatchObject({ county: countyA1, city: cityA, grade: expect.any(String), breakdown: expect.any(Array), no_data: expect.any(Array) })

    const history = await api.get(cityOfficial(), `/api/appraisals?county=${countyA2}`)
    expect(history.json).toMatchObject({ county: countyA2, history: [expect.objectContaining({ period: PERIOD })] })
    expect((await api.get(cityOfficial(), `/api/appraisals?county=${countyB}`)).status).toBe(403)

    const region = await api.get(cityOfficial(), `/api/regions/${cityA}/${PERIOD}`)
    expect(region.status).toBe(200)
    expect(region.json).toMatchObject({ period: PERIOD, level: 'city', code: cityA, indicators: expect.objectContaining({ counties_reported: 2 }) })
    expect(region.json.within.every((r: { code: string }) => r.code.startsWith(cityA) && r.code.length === 9)).toBe(true)
    expect((await api.get(cityOfficial(), `/api/regions/${cityB}/${PERIOD}`)).status).toBe(403)
    expect((await api.get(cityOfficial(), `/api/regions/52/${PERIOD}`)).status).toBe(403)
    const province = await api.get(admin, `/api/regions/52/${PERIOD}`)
    expect(province.json).toMatchObject({ level: 'province', code: '52', indicators: expect.objectContaining({ counties_reported: 3 }) })

    const html = await api.get(admin, `/api/files?key=${encodeURIComponent(`reports/appraisals/${PERIOD}/index.html`)}`)
    expect(html.status).toBe(200)
    expect((await fetch(html.json.url)).headers.get('content-type')).toContain('text/html')
    expect((await api.get(cityOfficial(), `/api/files?key=${encodeURIComponent(`reports/appraisals/${PERIOD}/index.html`)}`)).status).toBe(403)
  })

  it('is published and unlocked by the admin, with a reason, and the lock history names the signed-in account', async () => {
    const published = await api.post(admin, `/api/appraisals/${PERIOD}/publish`)
    expect(published.status).toBe(200)
    expect(published.json).toMatchObject({ period: PERIOD, status: 'done', published: true })
    expect((await api.post(admin, `/api/appraisals/${PERIOD}/publish`)).status).toBe(409)
    expect((await api.post(admin, `/api/appraisals/${PERIOD}/run`)).status).toBe(409)
    // The quarter is locked: no upload slot for it, and it is no longer offered.
    const slot = await api.post(clerkA1(), '/api/uploads', { kind: 'upload', period: PERIOD, file_name: 'late.csv', size: 10 })
    expect(slot.status).toBe(409)
    expect(slot.json.error.code).toBe('period_locked')
    expect((await api.get(clerkA1(), '/api/me')).json.open_periods).not.toContain(PERIOD)

    expect((await api.post(admin, `/api/appraisals/${PERIOD}/unlock`, {})).status).toBe(400)
    expect((await api.post(admin, `/api/appraisals/${PERIOD}/unlock`, { reason: '  ' })).json.error.code).toBe('reason_required')
    expect((await api.post(cityOfficial(), `/api/appraisals/${PERIOD}/unlock`, { reason: 'x' })).status).toBe(403)
    const unlocked = await api.post(admin, `/api/appraisals/${PERIOD}/unlock`, { reason: '县里更正村报表', by: 'someone else' })
    expect(unlocked.status).toBe(200)
    const lock = await api.get(clerkA1(), `/api/appraisals/${PERIOD}/lock`)
    expect(lock.json).toEqual({
      period: PERIOD,
      locked: false,
      history: [
        { action: 'lock', by: '贵州省管理员 (local) (admin-52)', at: expect.any(String), reason: 'appraisal published' },
        { action: 'unlock', by: '贵州省管理员 (local) (admin-52)', at: expect.any(String), reason: '县里更正村报表' },
      ],
    })
    expect((await api.post(admin, `/api/appraisals/${PERIOD}/unlock`, { reason: 'again' })).status).toBe(409)
  })
})
