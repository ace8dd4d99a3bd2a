import { describe, expect, it } from 'vitest'
import { MONITORED_HOUSEHOLDS, ORG_UNITS, VILLAGE_REPORT } from '../../schemas/datasets.ts'
import type { CellValue } from '../../functions/core/decode/types.ts'
import { classifyHeaderRow, columnLetter, countMappedColumns, headerIndex, lookupHeader, mapHeader, normaliseHeader } from '../../functions/core/headers.ts'

const COUNTY_SPECS = [VILLAGE_REPORT, MONITORED_HOUSEHOLDS]
const keyOf = (header: string) => headerIndex(VILLAGE_REPORT).get(normaliseHeader(header))?.key

describe('header normalisation (village_report.md)', () => {
  it.each([
    ['full-width parentheses equal ASCII ones (NFKC)', '集体经营性收入（元）', 'collective_operating_income'],
    ['ASCII parentheses', '集体经营性收入(元)', 'collective_operating_income'],
    ['spaces inside are removed', '总 户 数', 'households'],
    ['a line break inside is removed', '总户\n数', 'households'],
    ['a CRLF and a full-width space inside are removed', '脱贫\r\n人口\u3000数', 'alleviated_persons'],
    ['spaces around are trimmed', '  总人口  ', 'population'],
    ['the English key in upper case', 'POPULATION', 'population'],
    ['the English key in mixed case', 'Village_Code', 'village_code'],
    ['full-width Latin letters of an English key', 'ｐｅｒｉｏｄ', 'period'],
    ['an alias', '统计用区划代码', 'village_code'],
    ['an alias with full-width parentheses', '村（社区）代码', 'village_code'],
    ['an alias with its unit in full-width parentheses', '衔接资金下达（万元）', 'linkage_funds_allocated'],
  ])('%s: %j → %s', (_name, header, key) => {
    expect(keyOf(header)).toBe(key)
  })

  it.each([
    ['a Chinese header followed by its unit in full-width brackets', '脱贫人口人均纯收入（元）', 'alleviated_income_per_capita'],
    ['a Chinese header followed by 10k yuan', '衔接资金支出（万元）', 'linkage_funds_spent'],
    ['a count followed by 人', '总人口(人)', 'population'],
    ['a count followed by 户', '总户数（户）', 'households'],
    ['an unknown word in brackets is not a unit', '总人口（合计）', undefined],
    ['an unknown header with a unit stays unknown', '总人口数量（人）', undefined],
  ])('%s: %j → %s', (_name, header, key) => {
    expect(lookupHeader(headerIndex(VILLAGE_REPORT), normaliseHeader(header))?.key).toBe(key)
  })

  it('a header that only looks alike maps to no column', () => {
    expect(keyOf('总户数量')).toBeUndefined()
  })

  it('inner spaces are removed from English keys too: "popul ation" is population', () => {
    expect(keyOf('popul ation')).toBe('population')
  })

  it('every Chinese header, key and alias of every dataset maps to its own column', () => {
    for (const spec of [VILLAGE_REPORT, MONITORED_HOUSEHOLDS, ORG_UNITS]) {
      const index = headerIndex(spec)
      for (const column of spec.columns) {
        for (const name of [column.key, column.zh, ...column.aliases]) expect(index.get(normaliseHeader(name))?.key, `${spec.name}: ${name}`).toBe(column.key)
      }
    }
  })
})

describe('header-row classification', () => {
  it.each<[string, CellValue[], ReturnType<typeof classifyHeaderRow>]>([
    ['three village-report headers name the village report', ['报告期', '村代码', '总户数'], { kind: 'header', dataset: 'village_report' }],
    ['three roster headers name the roster', ['报告期', '村代码', '户编号'], { kind: 'header', dataset: 'monitored_households' }],
    ['two known headers are not enough', ['报告期', '村代码', '备注'], { kind: 'none' }],
    ['a shared set (period, code, 人口数) is a tie', ['报告期', '村代码', '人口数'], { kind: 'tie' }],
    ['one more report header breaks the tie', ['报告期', '村代码', '人口数', '总户数'], { kind: 'header', dataset: 'village_report' }],
    ['a title line is none', ['2024年第2季度村级报表', null, null], { kind: 'none' }],
    ['the same header twice counts once', ['报告期', '季度', '村代码'], { kind: 'none' }],
  ])('%s', (_name, cells, verdict) => {
    expect(classifyHeaderRow(cells, COUNTY_SPECS)).toEqual(verdict)
  })

  it('a forced dataset is the only candidate, so a shared set names it', () => {
    expect(classifyHeaderRow(['报告期', '村代码', '人口数'], [MONITORED_HOUSEHOLDS])).toEqual({ kind: 'header', dataset: 'monitored_households' })
  })

  it('countMappedColumns counts distinct columns, ignoring null cells and unknown headers', () => {
    expect(countMappedColumns(['总人口', '人口数', null, '备注', 'households'], VILLAGE_REPORT)).toBe(2)
  })
})

describe('header mapping', () => {
  it('binds in the dataset\'s column order, keeps the header as written and its column letter', () => {
    const mapping = mapHeader(['总人口', ' 报告期 ', '备注', '总户数', '户数', ''], VILLAGE_REPORT)
    expect(mapping.bindings.map((b) => [b.column.key, b.index, b.header, b.letter])).toEqual([
      ['period', 1, ' 报告期 ', 'B'],
      ['households', 3, '总户数', 'D'],
      ['population', 0, '总人口', 'A'],
    ])
    expect(mapping.unknown).toEqual([{ index: 2, header: '备注', letter: 'C' }])
    expect(mapping.duplicates.map((d) => [d.column.key, d.header, d.letter, d.first.header])).toEqual([['households', '户数', 'E', '总户数']])
    expect(mapping.missing.map((c) => c.key)).toContain('village_code')
    expect(mapping.missing.map((c) => c.key)).not.toContain('relocation_site')
  })

  it('optional and rule-checked columns are never missing', () => {
    const mapping = mapHeader(['period'], MONITORED_HOUSEHOLDS)
    expect(mapping.missing.map((c) => c.key)).toEqual(['village_code', 'household_id', 'category', 'household_size', 'risk_causes', 'income_per_capita', 'identified_on', 'risk_eliminated'])
  })

  it.each([[0, 'A'], [25, 'Z'], [26, 'AA'], [35, 'AJ'], [51, 'AZ'], [52, 'BA'], [701, 'ZZ'], [702, 'AAA']])('column %i is %s', (index, letter) => {
    expect(columnLetter(index)).toBe(letter)
  })
})
