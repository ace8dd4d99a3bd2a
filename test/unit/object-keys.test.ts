import { describe, expect, it } from 'vitest'
import { decodeEventKey, lakeKeys, orderKey, parseUploadKey, submissionId } from '../../functions/core/object-keys.ts'
import { curatedKeyOf, ledgerPlace } from '../../functions/use-cases/process-upload.ts'

describe('upload keys (interfaces.md, S3 layout)', () => {
  it('uploads/<county6>/<YYYYQn>/<file> is a county upload', () => {
    expect(parseUploadKey('uploads/522226/2024Q2/报表 第二季度.xlsx')).toEqual({
      kind: 'county', county: '522226', period: '2024Q2', quarter: { year: 2024, quarter: 2 }, fileName: '报表 第二季度.xlsx',
    })
  })

  it('registry/org_units/<file> is a registry upload', () => {
    expect(parseUploadKey('registry/org_units/贵州.csv')).toEqual({ kind: 'registry', fileName: '贵州.csv' })
  })

  it('registry/targets/<file> is a targets upload, filed and stored by year and scope', () => {
    expect(parseUploadKey('registry/targets/铜仁目标.xlsx')).toEqual({ kind: 'targets', fileName: '铜仁目标.xlsx' })
    expect(ledgerPlace(parseUploadKey('registry/targets/铜仁目标.xlsx'))).toEqual({ county: 'targets', period: 'targets' })
    expect(curatedKeyOf('staging/targets/targets/targets/20240901T000000000Z-0123456789abcdef-2024-5206.parquet')).toBe('curated/targets/2024/5206.parquet')
    expect(curatedKeyOf('staging/targets/targets/targets/20240901T000000000Z-0123456789abcdef-2025-52.parquet')).toBe('curated/targets/2025/52.parquet')
    expect(lakeKeys.report('targets', 'targets', 'id', 'json')).toBe('reports/targets/id.json')
  })

  it.each([
    ['a 5-digit county', 'uploads/52222/2024Q2/a.csv'],
    ['a county with a letter', 'uploads/52222X/2024Q2/a.csv'],
    ['a period spelled otherwise', 'uploads/522226/2024-Q2/a.csv'],
    ['quarter 5', 'uploads/522226/2024Q5/a.csv'],
    ['a nested folder', 'uploads/522226/2024Q2/sub/a.csv'],
    ['no file name', 'uploads/522226/2024Q2/'],
    ['a .. file name', 'uploads/522226/2024Q2/..'],
    ['a control character in the name', 'uploads/522226/2024Q2/a\u0001.csv'],
    ['another prefix', 'incoming/522226/2024Q2/a.csv'],
    ['a registry of something else', 'registry/villages/a.csv'],
    ['a registry folder', 'registry/org_units/x/a.csv'],
    ['a targets folder', 'registry/targets/5206/a.csv'],
  ])('%s is wrong_place', (_name, key) => {
    const place = parseUploadKey(key)
    expect(place.kind).toBe('wrong')
    if (place.kind === 'wrong') {
      expect(place.reason.zh).not.toBe('')
      expect(place.reason.en).not.toBe('')
    }
  })
})

describe('event keys', () => {
  it.each([
    ['+ is a space', 'uploads/522226/2024Q2/a+b.csv', 'uploads/522226/2024Q2/a b.csv'],
    ['percent escapes are decoded', 'uploads/522226/2024Q2/%E6%8A%A5%E8%A1%A8.csv', 'uploads/522226/2024Q2/报表.csv'],
    ['an undecodable key is kept', 'uploads/%E6%8A.csv', 'uploads/%E6%8A.csv'],
  ])('%s', (_name, key, decoded) => {
    expect(decodeEventKey(key)).toBe(decoded)
  })
})

describe('submission ids and ordering', () => {
  const at = new Date('2024-07-05T02:00:00.123Z')

  it('the id sorts by time received and is the same for the same object version', () => {
    const id = submissionId(at, 'ingest', 'uploads/522226/2024Q2/a.csv', 'v1')
    expect(id).toMatch(/^20240705T020000123Z-[0-9a-f]{16}$/)
    expect(submissionId(at, 'ingest', 'uploads/522226/2024Q2/a.csv', 'v1')).toBe(id)
    expect(submissionId(at, 'ingest', 'uploads/522226/2024Q2/a.csv', 'v2')).not.toBe(id)
    expect(submissionId(new Date(at.getTime() + 1), 'ingest', 'uploads/522226/2024Q2/a.csv', 'v1') > id).toBe(true)
  })

  it('orderKey compares sequencers of different lengths as numbers', () => {
    expect(orderKey(at, 'ff') < orderKey(at, '100')).toBe(true)
    expect(orderKey(at, 'AB')).toBe(orderKey(at, 'ab'))
  })
})

describe('lake keys (interfaces.md)', () => {
  const q = { year: 2024, quarter: 2 } as const
  it.each([
    ['curated', lakeKeys.curated('village_report', q, '522226'), 'curated/village_report/year=2024/quarter=2/522226.parquet'],
    ['report json', lakeKeys.report('522226', '2024Q2', 'id1', 'json'), 'reports/submissions/522226/2024Q2/id1.json'],
    ['report csv', lakeKeys.report('522226', '2024Q2', 'id1', 'csv'), 'reports/submissions/522226/2024Q2/id1.csv'],
    ['appraisal', lakeKeys.appraisal(q), 'analytics/county_appraisals/year=2024/quarter=2/data.parquet'],
    ['appraisal report', lakeKeys.appraisalReport('2024Q2'), 'reports/appraisals/2024Q2/index.html'],
    ['raw keeps a short extension, lower-cased', lakeKeys.raw('522226', '2024Q2', 'abc', '报表.XLSX'), 'raw/522226/2024Q2/abc.xlsx'],
    ['raw without an extension', lakeKeys.raw('522226', '2024Q2', 'abc', 'README'), 'raw/522226/2024Q2/abc'],
  ])('%s', (_name, key, expected) => {
    expect(key).toBe(expected)
  })
})
