import { z } from 'zod'
import {
  cellText, enumLookup, isBlank, normaliseText, parseBool, parseDate, parseIdNumber, parseNumberText, parsePeriodText, type ParsedValue,
} from '../functions/core/values.ts'
import { MONITORED_HOUSEHOLDS, ORG_UNITS, VILLAGE_REPORT, type ColumnSpec, type ColumnType, type DatasetSpec } from './datasets.ts'

/**
 * The normalised rows of the contract's datasets as zod schemas, derived from the column specs
 * in `datasets.ts`. Each field takes the raw cell as a decoder gives it (string, number,
 * boolean or null; absent is empty) and applies the contract's rules (village_report.md,
 * "Types"; monitored_households.md; org_units.md): the text-level parsers of `values.ts`,
 * then zod's own checks for bounds, whole numbers, lengths and allowed values.
 *
 * This is the declarative statement of what a valid row is. The validator's hot path
 * (`compileParser` in values.ts, with validate-file's required/default handling) must agree
 * with it cell for cell; test/unit/row-schemas.test.ts holds the two together.
 *
 * A cell that fails carries exactly one issue, with the finding code in `params.code`
 * (`required`, `type`, `range`, `enum` or `format`, validation.md "Row-level codes").
 */

export type RawCell = string | number | boolean | null

/**
 * A cell as decoders give it. Any number is a cell, NaN and ±Infinity included (z.number()
 * would refuse them): what such a cell means is its column type's business (`type`, `format`…).
 */
export const RawCellSchema = z.custom<RawCell>(
  (v) => v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean',
  { message: 'expected a cell: text, a number, a boolean or null', params: { code: 'type' } },
)

export const CELL_CODES = ['required', 'type', 'range', 'enum', 'format'] as const
export type CellCode = (typeof CELL_CODES)[number]

/** The finding code of a failed cell, read from a zod issue of these schemas. */
export function cellCodeOf(issue: z.core.$ZodIssue): CellCode | undefined {
  const code = (issue as { params?: { code?: unknown } }).params?.code
  return typeof code === 'string' && (CELL_CODES as readonly string[]).includes(code) ? (code as CellCode) : undefined
}

// "separated by 、 , ， ; ； or space" (monitored_households.md, risk_causes).
const LIST_SEPARATORS = /[、,，;；\s]+/
const PERIOD_RE = /^\d{4}Q[1-4]$/
const ID_RE = /^\d{17}[\dX]$/

/** ISO 7064 MOD 11-2 (GB 11643): Σ digit·2^(17−i) + check ≡ 1 (mod 11), X standing for 10. */
function idCheckDigitHolds(id: string): boolean {
  let sum = 0
  for (let i = 0; i < 18; i++) {
    const c = id[i]!
    const value = c === 'X' ? 10 : Number(c)
    sum += value * (2 ** (17 - i) % 11)
  }
  return sum % 11 === 1
}

const charCount = (s: string) => [...s].length

/** The schema of one non-empty cell, and how its zod issues map to finding codes. */
interface TypedCell {
  schema: z.ZodType<ParsedValue>
  /** The finding code of zod's built-in issue codes for this type (custom issues carry theirs). */
  codes: Partial<Record<string, CellCode>>
}

function typedCell(type: ColumnType): TypedCell {
  switch (type.kind) {
    case 'int':
    case 'num': {
      // Below the minimum first: a negative number is `range` even when it is not whole; a
      // fraction within bounds is `type`; above the maximum (or past 2^53) is `range`.
      let n = z.number().min(type.min)
      if (type.kind === 'int') n = n.int()
      if (type.max !== undefined) n = n.max(type.max)
      const read = (cell: unknown) => (typeof cell === 'string' ? (parseNumberText(cell) ?? cell) : cell)
      return {
        schema: z.preprocess(read, n).transform((v) => (v === 0 ? 0 : v)),
        codes: { invalid_type: 'type', too_small: 'range', too_big: 'range' },
      }
    }
    case 'bool':
      return { schema: z.preprocess((cell) => parseBool(cell as RawCell) ?? cell, z.boolean()), codes: { invalid_type: 'type' } }
    case 'period':
      return {
        schema: z.preprocess((cell) => (typeof cell === 'string' ? (parsePeriodText(cell) ?? cell) : cell), z.string().regex(PERIOD_RE)),
        codes: { invalid_type: 'format', invalid_format: 'format' },
      }
    case 'code': {
      const lengths = type.lengths
      const read = (cell: unknown) => (typeof cell === 'number' && Number.isSafeInteger(cell) ? String(cell) : typeof cell === 'string' ? normaliseText(cell) : cell)
      return {
        schema: z.preprocess(read, z.string().regex(/^\d+$/).refine((s) => lengths.includes(s.length), { params: { code: 'format' } })),
        codes: { invalid_type: 'format', invalid_format: 'format' },
      }
    }
    case 'text': {
      const { min = 0, max, pattern } = type
      let s = z.string().refine((v) => charCount(v) >= min && charCount(v) <= max, { params: { code: 'range' } })
      if (pattern) s = s.regex(pattern)
      return { schema: z.preprocess((cell) => normaliseText(cellText(cell as RawCell)), s), codes: { invalid_format: 'format' } }
    }
    case 'date':
      return {
        schema: RawCellSchema.transform((cell, ctx) => {
          const day = parseDate(cell)
          if (day !== undefined) return day
          ctx.addIssue({ code: 'custom', message: 'expected a real calendar date such as 2024-03-05', params: { code: 'type' } })
          return z.NEVER
        }),
        codes: {},
      }
    case 'enum': {
      const lookup = enumLookup(type.values)
      return {
        schema: z.preprocess((cell) => lookup(cellText(cell as RawCell)) ?? cell, z.enum(Object.values(type.values) as [string, ...string[]])),
        codes: { invalid_type: 'enum', invalid_value: 'enum' },
      }
    }
    case 'enumList': {
      const lookup = enumLookup(type.values)
      const words = (cell: unknown) => normaliseText(cellText(cell as RawCell)).split(LIST_SEPARATORS).filter((w) => w !== '').map((w) => lookup(w) ?? w)
      return {
        // Stored as the distinct English keys in the order written, joined by commas.
        schema: z.preprocess(words, z.array(z.enum(Object.values(type.values) as [string, ...string[]])).min(1)).transform((list) => [...new Set(list)].join(',')),
        codes: { invalid_type: 'enum', invalid_value: 'enum', too_small: 'enum' },
      }
    }
    case 'idNumber':
      return {
        schema: z.preprocess(
          (cell) => (typeof cell === 'string' ? (parseIdNumber(cell) ?? cell) : cell),
          z.string().regex(ID_RE).refine(idCheckDigitHolds, { params: { code: 'format' } }),
        ),
        codes: { invalid_type: 'format', invalid_format: 'format' },
      }
  }
}

/**
 * One column's field: an empty cell is `required` in a required column, else the column's
 * default (or absent); any other cell is parsed by its type. Exactly one issue per bad cell.
 */
export function cellSchema(column: ColumnSpec): z.ZodType<ParsedValue | undefined, RawCell | undefined> {
  const { schema, codes } = typedCell(column.type)
  return RawCellSchema.optional().transform((cell, ctx) => {
    const raw = cell ?? null
    if (isBlank(raw)) {
      if (column.required !== true) return column.defaultValue
      ctx.addIssue({ code: 'custom', message: `${column.key} (${column.zh}) is required`, params: { code: 'required' } })
      return z.NEVER
    }
    const parsed = schema.safeParse(raw)
    if (parsed.success) return parsed.data
    const first = parsed.error.issues[0]!
    const code = cellCodeOf(first) ?? codes[first.code]
    if (code === undefined) throw new Error(`schemas/rows.ts: no finding code for zod issue ${first.code} of ${column.key}`)
    ctx.addIssue({ code: 'custom', message: first.message, params: { code } })
    return z.NEVER
  }) as z.ZodType<ParsedValue | undefined, RawCell | undefined>
}

export type RawRowInput = Partial<Record<string, RawCell>>
export type NormalisedRow = Record<string, ParsedValue | undefined>

/** The schema of a raw row of any dataset, keyed by column key (unknown keys are dropped). */
export function rawRowSchema(spec: DatasetSpec): z.ZodType<NormalisedRow, RawRowInput> {
  return z.object(Object.fromEntries(spec.columns.map((c) => [c.key, cellSchema(c)]))) as unknown as z.ZodType<NormalisedRow, RawRowInput>
}

type Kind = ColumnType['kind']
const STRING_KINDS: readonly Kind[] = ['period', 'code', 'text', 'enum', 'enumList', 'idNumber']
const NUMBER_KINDS: readonly Kind[] = ['int', 'num', 'date']

/**
 * Typed field builders over one dataset. Each checks, when the module loads, that the column
 * exists with a kind of that output type and the stated optionality, so a change to
 * `datasets.ts` that the types below do not follow fails at once instead of lying.
 */
function fieldsOf(spec: DatasetSpec) {
  const column = (key: string, kinds: readonly Kind[], optional: boolean): ColumnSpec => {
    const c = spec.columns.find((col) => col.key === key)
    if (!c) throw new Error(`schemas/rows.ts: ${spec.name} has no column ${key}`)
    if (!kinds.includes(c.type.kind)) throw new Error(`schemas/rows.ts: ${spec.name}.${key} is ${c.type.kind}`)
    const mayBeAbsent = c.required !== true && c.defaultValue === undefined
    if (mayBeAbsent !== optional) throw new Error(`schemas/rows.ts: ${spec.name}.${key} optionality changed`)
    return c
  }
  return {
    string: (key: string) => cellSchema(column(key, STRING_KINDS, false)) as z.ZodType<string, RawCell | undefined>,
    number: (key: string) => cellSchema(column(key, NUMBER_KINDS, false)) as z.ZodType<number, RawCell | undefined>,
    boolean: (key: string) => cellSchema(column(key, ['bool'], false)) as z.ZodType<boolean, RawCell | undefined>,
    optionalString: (key: string) => cellSchema(column(key, STRING_KINDS, true)) as z.ZodType<string | undefined, RawCell | undefined>,
    optionalNumber: (key: string) => cellSchema(column(key, NUMBER_KINDS, true)) as z.ZodType<number | undefined, RawCell | undefined>,
  }
}

const vr = fieldsOf(VILLAGE_REPORT)

/** A row of the village report (village_report.md), normalised: day numbers, English enum keys. */
export const VillageReportRowSchema = z.object({
  period: vr.string('period'),
  village_code: vr.string('village_code'),
  village_name: vr.string('village_name'),
  township_name: vr.string('township_name'),
  key_assisted: vr.boolean('key_assisted'),
  relocation_site: vr.boolean('relocation_site'),
  households: vr.number('households'),
  population: vr.number('population'),
  alleviated_households: vr.number('alleviated_households'),
  alleviated_persons: vr.number('alleviated_persons'),
  relocated_households: vr.number('relocated_households'),
  relocated_persons: vr.number('relocated_persons'),
  monitored_unstable_households: vr.number('monitored_unstable_households'),
  monitored_unstable_persons: vr.number('monitored_unstable_persons'),
  monitored_marginal_households: vr.number('monitored_marginal_households'),
  monitored_marginal_persons: vr.number('monitored_marginal_persons'),
  monitored_hardship_households: vr.number('monitored_hardship_households'),
  monitored_hardship_persons: vr.number('monitored_hardship_persons'),
  monitored_new_households: vr.number('monitored_new_households'),
  risk_eliminated_households: vr.number('risk_eliminated_households'),
  risk_eliminated_persons: vr.number('risk_eliminated_persons'),
  alleviated_income_per_capita: vr.number('alleviated_income_per_capita'),
  persons_below_monitoring_line: vr.number('persons_below_monitoring_line'),
  alleviated_labor: vr.number('alleviated_labor'),
  alleviated_labor_employed: vr.number('alleviated_labor_employed'),
  public_welfare_posts: vr.number('public_welfare_posts'),
  relocated_zero_employment_households: vr.number('relocated_zero_employment_households'),
  dropouts: vr.number('dropouts'),
  medical_insured_persons: vr.number('medical_insured_persons'),
  unsafe_houses: vr.number('unsafe_houses'),
  unsafe_water_households: vr.number('unsafe_water_households'),
  collective_operating_income: vr.number('collective_operating_income'),
  linkage_funds_allocated: vr.number('linkage_funds_allocated'),
  linkage_funds_spent: vr.number('linkage_funds_spent'),
  projects_planned: vr.number('projects_planned'),
  projects_completed: vr.number('projects_completed'),
})
export type VillageReportRow = z.infer<typeof VillageReportRowSchema>

const mh = fieldsOf(MONITORED_HOUSEHOLDS)

/**
 * A roster row (monitored_households.md), normalised. `head_id_number` is the checked ID
 * itself: it exists only in memory and is replaced by `head_id_hash` before anything is written.
 */
export const MonitoredHouseholdRowSchema = z.object({
  period: mh.string('period'),
  village_code: mh.string('village_code'),
  household_id: mh.string('household_id'),
  head_id_number: mh.optionalString('head_id_number'),
  category: mh.string('category'),
  household_size: mh.number('household_size'),
  risk_causes: mh.string('risk_causes'),
  income_per_capita: mh.number('income_per_capita'),
  identified_on: mh.number('identified_on'),
  risk_eliminated: mh.boolean('risk_eliminated'),
  eliminated_on: mh.optionalNumber('eliminated_on'),
  assistance: mh.optionalString('assistance'),
})
export type MonitoredHouseholdRow = z.infer<typeof MonitoredHouseholdRowSchema>

const ou = fieldsOf(ORG_UNITS)

/** A registry row (org_units.md), normalised. */
export const OrgUnitRowSchema = z.object({
  code: ou.string('code'),
  name: ou.string('name'),
  level: ou.string('level'),
  parent_code: ou.optionalString('parent_code'),
  active: ou.boolean('active'),
})
export type OrgUnitRow = z.infer<typeof OrgUnitRowSchema>

/** The typed schema of each dataset, by name. */
export const ROW_SCHEMAS = {
  village_report: VillageReportRowSchema,
  monitored_households: MonitoredHouseholdRowSchema,
  org_units: OrgUnitRowSchema,
} as const
