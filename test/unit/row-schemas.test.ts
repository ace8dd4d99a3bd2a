/**
 * The zod row schemas (schemas/rows.ts) and the validator's compiled fast path (compileParser
 * plus validate-file's required/default handling) must say the same of every cell: the same
 * value, or the same finding code.
 */
import fc from 'fast-check'
import { describe, expect, expectTypeOf, it } from 'vitest'
import { DATASET_SPECS, MONITORED_HOUSEHOLDS, ORG_UNITS, VILLAGE_REPORT, type ColumnSpec, type ColumnType, type DatasetSpec } from '../../schemas/datasets.ts'
import {
  MonitoredHouseholdRowSchema, OrgUnitRowSchema, ROW_SCHEMAS, VillageReportRowSchema, cellCodeOf, cellSchema, rawRowSchema,
  type MonitoredHouseholdRow, type OrgUnitRow, type RawCell, type VillageReportRow,
} from '../../schemas/rows.ts'
import { compileParser, isBlank } from '../../functions/core/values.ts'
import { ROSTER_ROW, VALID_ID, VILLAGE_ROW } from '../support/village-rows.ts'

type Verdict = { value: unknown } | { code: string }

/** What validate-file makes of one cell (validate-file.ts, the per-row loop). */
/**
 * Parsers and schemas built once per column, as validate-file builds its parsers once per file:
 * building one per cell spent most of this test's CPU.
 */
function once<T>(build: (column: ColumnSpec) => T): (column: ColumnSpec) => T {
  const built = new Map<ColumnSpec, T>()
  return (column) => {
    let value = built.get(column)
    if (value === undefined) built.set(column, (value = build(column)))
    return value
  }
}
const parserOf = once((column) => compileParser(column.type))
const schemaOf = once(cellSchema)

function fastPath(column: ColumnSpec, cell: RawCell | undefined): Verdict {
  const raw = cell ?? null
  if (isBlank(raw)) {
    if (column.required === true) return { code: 'required' }
    return { value: column.defaultValue }
  }
  const parsed = parserOf(column)(raw, false)
  return parsed.ok ? { value: parsed.value } : { code: parsed.code }
}

function viaSchema(column: ColumnSpec, cell: RawCell | undefined): Verdict {
  const result = schemaOf(column).safeParse(cell)
  if (result.success) return { value: result.data }
  expect(result.error.issues, `one issue per bad cell (${column.key})`).toHaveLength(1)
  const code = cellCodeOf(result.error.issues[0]!)
  expect(code, `the issue carries its finding code (${column.key})`).toBeDefined()
  return { code: code! }
}

// ---- cells: for each column type, valid spellings, near misses and junk ----

const junk: fc.Arbitrary<RawCell> = fc.oneof(
  fc.string(),
  fc.string({ unit: 'grapheme', maxLength: 8 }),
  fc.double(),
  fc.integer(),
  fc.boolean(),
  fc.constant(null),
  fc.constantFrom('', ' ', '\u3000', '\t', '-', '.', ',', '、', 'null', 'NaN', 'Infinity'),
)

const FULL_WIDTH = (s: string) => s.replace(/[0-9,.\-+]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 0xfee0))
const withThousands = (digits: string) => digits.replace(/\B(?=(\d{3})+(?!\d))/g, ',')

const spaced = (s: fc.Arbitrary<string>) => fc.tuple(fc.constantFrom('', ' ', '  ', '\u3000', '\u00a0'), s, fc.constantFrom('', ' ', '\t')).map(([a, b, c]) => a + b + c)

function numberText(): fc.Arbitrary<string> {
  const whole = fc.oneof(fc.integer({ min: -2000, max: 300_000 }), fc.constantFrom(0, 1, 19, 20, 21, 199_999, 200_000, 200_001))
  return fc.oneof(
    whole.map(String),
    whole.map((n) => (n < 0 ? `-${withThousands(String(-n))}` : withThousands(String(n)))),
    whole.map((n) => FULL_WIDTH(String(n))),
    fc.tuple(whole, fc.integer({ min: 0, max: 999 })).map(([a, b]) => `${a}.${b}`),
    fc.double({ min: -1e6, max: 1e6, noNaN: true }).map(String),
    fc.tuple(fc.integer({ min: -9, max: 9 }), fc.integer({ min: -3, max: 25 })).map(([m, e]) => `${m}e${e}`),
    fc.constantFrom('-0', '+5', '.5', '-.5', '1.5e2', '1.25E-1', '99999999999999999999', '1e400', '12,34', '1 234', '0x10', '1,234.5', '２０', '\u22125', '21.5', '0.5', '-1.5'),
  )
}

function cellOf(type: ColumnType): fc.Arbitrary<RawCell> {
  switch (type.kind) {
    case 'int':
    case 'num':
      return fc.oneof(
        { weight: 4, arbitrary: spaced(numberText()) },
        { weight: 2, arbitrary: fc.oneof(fc.integer({ min: -100, max: 300_000 }), fc.double({ min: -10, max: 300_000, noNaN: true }), fc.constantFrom(2 ** 53, 1e20, -0, Infinity, Number.NaN)) },
        { weight: 1, arbitrary: junk },
      )
    case 'bool':
      return fc.oneof(
        { weight: 4, arbitrary: spaced(fc.constantFrom('是', '否', 'Y', 'N', 'y', 'n', 'yes', 'No', 'YES', 'true', 'False', 'TRUE', '1', '0', 'Ｙ', '有', 'ok', '2', 'T')) },
        { weight: 2, arbitrary: fc.constantFrom<RawCell>(true, false, 1, 0, 2, 0.5, -1) },
        { weight: 1, arbitrary: junk },
      )
    case 'period':
      return fc.oneof(
        { weight: 4, arbitrary: fc.tuple(fc.integer({ min: 1999, max: 2031 }), fc.integer({ min: 0, max: 5 }), fc.constantFrom('Q', 'q', '-Q', ' Q', '年第', '年', 'QQ', '/Q'), fc.constantFrom('', '季度', '季', '度'))
          .map(([y, q, sep, tail]) => (sep.startsWith('年') ? `${y}${sep}${q}${tail}` : `${y}${sep}${q}`)) },
        { weight: 1, arbitrary: spaced(fc.constantFrom('2024年第二季度', '2024年第四季度', '２０２４Ｑ２', '24Q2', 'Q2 2024')) },
        { weight: 1, arbitrary: fc.constantFrom<RawCell>(20242, 2024.2) },
        { weight: 1, arbitrary: junk },
      )
    case 'code':
      return fc.oneof(
        { weight: 4, arbitrary: spaced(fc.stringMatching(/^\d{1,14}$/)) },
        { weight: 2, arbitrary: fc.oneof(fc.constantFrom(522226101203, 52, 5222, 522226, 522226101, 522226101203.5, -522226101203, 1e21), fc.integer({ min: -10, max: Number.MAX_SAFE_INTEGER })) },
        { weight: 1, arbitrary: fc.stringMatching(/^\d{12}$/).map(FULL_WIDTH) },
        { weight: 1, arbitrary: fc.stringMatching(/^\d{5,12}[A-Za-z.]?$/) },
        { weight: 1, arbitrary: junk },
      )
    case 'text':
      return fc.oneof(
        { weight: 3, arbitrary: fc.string({ minLength: 0, maxLength: 60 }) },
        { weight: 2, arbitrary: fc.stringMatching(/^[0-9A-Za-z-]{1,40}$/) },
        { weight: 1, arbitrary: fc.integer({ min: 1, max: 60 }).chain((n) => fc.constantFrom('村', '𠀀', 'a', '（').map((c) => c.repeat(n))) },
        { weight: 1, arbitrary: fc.constantFrom('H/1', 'H 1', ' H-1 ', '户1', 'Ａ１') },
        { weight: 1, arbitrary: junk },
      )
    case 'date': {
      const ymd = fc.tuple(fc.integer({ min: 1890, max: 2030 }), fc.integer({ min: 0, max: 13 }), fc.integer({ min: 0, max: 32 }))
      return fc.oneof(
        { weight: 3, arbitrary: fc.tuple(ymd, fc.constantFrom('-', '/', '.', '年')).map(([[y, m, d], sep]) => (sep === '年' ? `${y}年${m}月${d}日` : `${y}${sep}${String(m).padStart(2, '0')}${sep}${d}`)) },
        { weight: 1, arbitrary: spaced(fc.constantFrom('2024-03-05 00:00', '2024/3/5 0:00:00', '2024-03-05T00:00:00', '2024-03-05 10:30', '２０２４－０３－０５', '45356', '2023-02-29', '2024-02-29')) },
        { weight: 2, arbitrary: fc.oneof(fc.integer({ min: -5, max: 3_000_000 }), fc.double({ min: -5, max: 3e6, noNaN: true }), fc.constantFrom(59, 60, 61, 0, 1, 2_958_465, 2_958_466)) },
        { weight: 1, arbitrary: junk },
      )
    }
    case 'enum': {
      const words = [...Object.keys(type.values), ...Object.values(type.values)]
      return fc.oneof(
        { weight: 4, arbitrary: spaced(fc.constantFrom(...words, ...Object.values(type.values).map((w) => w.toUpperCase()), '贫困户', 'poor', '县 ')) },
        { weight: 1, arbitrary: junk },
      )
    }
    case 'enumList': {
      const words = [...Object.keys(type.values), ...Object.values(type.values), ...Object.values(type.values).map((w) => w[0]!.toUpperCase() + w.slice(1)), '因穷', 'nothing']
      const list = fc.array(fc.tuple(fc.constantFrom(...words), fc.constantFrom('、', ',', '，', ';', '；', ' ', '\u3000', ' 、 ', ',,', '/', '')), { minLength: 0, maxLength: 4 })
        .map((parts) => parts.map(([w, sep]) => w + sep).join(''))
      return fc.oneof({ weight: 4, arbitrary: list }, { weight: 1, arbitrary: junk })
    }
    case 'idNumber': {
      const weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
      const withCheck = (body: string) => body + '10X98765432'[[...body].reduce((s, c, i) => s + Number(c) * weights[i]!, 0) % 11]!
      const valid = fc.stringMatching(/^\d{17}$/).map(withCheck)
      return fc.oneof(
        { weight: 3, arbitrary: spaced(valid) },
        { weight: 1, arbitrary: valid.map((id) => id.toLowerCase()) },
        { weight: 2, arbitrary: fc.tuple(valid, fc.constantFrom('0', '1', '9', 'X', 'x', 'Y')).map(([id, c]) => id.slice(0, 17) + c) },
        { weight: 1, arbitrary: fc.stringMatching(/^\d{15,19}[Xx]?$/) },
        // eslint-disable-next-line no-loss-of-precision -- an ID number as a numeric cell holds it, its last digits lost
        { weight: 1, arbitrary: fc.constantFrom<RawCell>(VALID_ID, 522226198001011233, Number(VALID_ID.slice(0, 15))) },
        { weight: 1, arbitrary: junk },
      )
    }
  }
}

/** A raw row of the dataset: every column a cell of its type, sometimes absent. */
function rawRow(spec: DatasetSpec): fc.Arbitrary<Partial<Record<string, RawCell>>> {
  return fc.record(
    Object.fromEntries(spec.columns.map((c) => [c.key, cellOf(c.type)])),
    { requiredKeys: spec.columns.filter((_, i) => i % 3 !== 2).map((c) => c.key) },
  )
}

const SEED = 20240711

describe('zod row schemas agree with the compiled fast path', () => {
  it.each([VILLAGE_REPORT, MONITORED_HOUSEHOLDS, ORG_UNITS].map((spec) => [spec.name, spec] as const))('%s: cell by cell, and row by row', (_name, spec) => {
    const typed = ROW_SCHEMAS[spec.name]
    const generic = rawRowSchema(spec)
    fc.assert(
      fc.property(rawRow(spec), (row) => {
        const expectedCodes: Record<string, string> = {}
        const expectedValues: Record<string, unknown> = {}
        for (const column of spec.columns) {
          const fast = fastPath(column, row[column.key])
          expect(viaSchema(column, row[column.key]), `${column.key} = ${JSON.stringify(row[column.key])}`).toEqual(fast)
          if ('code' in fast) expectedCodes[column.key] = fast.code
          else expectedValues[column.key] = fast.value
        }
        for (const schema of [typed, generic]) {
          const result = schema.safeParse(row)
          if (Object.keys(expectedCodes).length === 0) {
            expect(result.success).toBe(true)
            expect(stripUndefined(result.data as Record<string, unknown>)).toEqual(stripUndefined(expectedValues))
          } else {
            expect(result.success).toBe(false)
            const got = Object.fromEntries(result.error!.issues.map((i) => [String(i.path[0]), cellCodeOf(i)]))
            expect(got).toEqual(expectedCodes)
          }
        }
      }),
      { seed: SEED, numRuns: 400 },
    )
  })
})

function stripUndefined(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined))
}

describe('the typed row schemas', () => {
  it.each([
    ['village_report', VillageReportRowSchema],
    ['monitored_households', MonitoredHouseholdRowSchema],
    ['org_units', OrgUnitRowSchema],
  ] as const)('%s has exactly the dataset\'s columns, in its order', (name, schema) => {
    expect(Object.keys(schema.shape)).toEqual(DATASET_SPECS[name].columns.map((c) => c.key))
  })

  it('infer precise types', () => {
    expectTypeOf<VillageReportRow['population']>().toEqualTypeOf<number>()
    expectTypeOf<VillageReportRow['key_assisted']>().toEqualTypeOf<boolean>()
    expectTypeOf<VillageReportRow['village_code']>().toEqualTypeOf<string>()
    expectTypeOf<MonitoredHouseholdRow['eliminated_on']>().toEqualTypeOf<number | undefined>()
    expectTypeOf<MonitoredHouseholdRow['head_id_number']>().toEqualTypeOf<string | undefined>()
    expectTypeOf<OrgUnitRow['active']>().toEqualTypeOf<boolean>()
  })

  it('a valid village report row parses to its normalised values', () => {
    const row = VillageReportRowSchema.parse({ ...VILLAGE_ROW, period: '2024年第2季度', relocation_site: '', households: '1,300', alleviated_income_per_capita: 8000.5 })
    expect(row).toMatchObject({ period: '2024Q2', village_code: '522226101203', key_assisted: true, relocation_site: false, households: 1300, alleviated_income_per_capita: 8000.5 })
  })

  it('a roster row: dates as day numbers, lists as English keys, an empty optional column absent', () => {
    const row = MonitoredHouseholdRowSchema.parse({ ...ROSTER_ROW, head_id_number: null })
    expect(row).toMatchObject({ category: 'unstable', risk_causes: 'illness,education', identified_on: 19487, risk_eliminated: false, assistance: 'industry,employment' })
    expect(row.eliminated_on).toBeUndefined()
    expect(row.head_id_number).toBeUndefined()
  })

  it.each<[string, Record<string, RawCell>, Record<string, string>]>([
    ['an empty required cell', { village_name: '  ' }, { village_name: 'required' }],
    ['a negative count and a fraction', { dropouts: '-1', households: '2.5' }, { dropouts: 'range', households: 'type' }],
    ['a bad code and a bad period', { village_code: '5222', period: '2024Q9' }, { village_code: 'format', period: 'format' }],
  ])('issues carry the finding code in params: %s', (_name, overrides, codes) => {
    const result = VillageReportRowSchema.safeParse({ ...VILLAGE_ROW, ...overrides })
    expect(result.success).toBe(false)
    expect(Object.fromEntries(result.error!.issues.map((i) => [String(i.path[0]), (i as { params?: { code?: string } }).params?.code]))).toEqual(codes)
  })

  it('an ID number\'s check digit is checked; lower-case x is read as X', () => {
    expect(MonitoredHouseholdRowSchema.parse({ ...ROSTER_ROW, head_id_number: '11010519491231002x' }).head_id_number).toBe('11010519491231002X')
    const bad = MonitoredHouseholdRowSchema.safeParse({ ...ROSTER_ROW, head_id_number: '110105194912310021' })
    expect(bad.error?.issues.map((i) => [i.path[0], cellCodeOf(i)])).toEqual([['head_id_number', 'format']])
  })
})
