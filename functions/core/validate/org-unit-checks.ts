import type { Finding } from '../../../schemas/findings.ts'
import { finding, type FindingInput } from '../findings.ts'
import type { RowValues } from '../rules.ts'
import type { RegistryView } from './validation-types.ts'

/** Code length of each level, and the parent's length (org_units.md). */
const LEVEL_LENGTH: Record<string, number> = { province: 2, city: 4, county: 6, township: 9, village: 12 }
const PARENT_LENGTH: Record<number, number> = { 4: 2, 6: 4, 9: 6, 12: 9 }

type At = (row: number, line: number, key: string) => Omit<FindingInput, 'code'>

/** A registry row, kept while the file is read for the checks that need all of it. */
export interface UnitRow {
  row: number
  line: number
  values: RowValues
}

/**
 * The registry's own consistency: a level agrees with its code's length, and a parent is the
 * code's own prefix, present in the same file or the registry; a province has no parent.
 */
export function organisationChecks(rows: readonly UnitRow[], at: At, registry?: RegistryView): Finding[] {
  const codes = new Set(rows.map((r) => r.values['code']).filter((c): c is string => typeof c === 'string'))
  const out: Finding[] = []
  for (const { row, line, values } of rows) {
    const code = values['code']
    const level = values['level']
    const parent = values['parent_code']
    if (typeof code !== 'string') continue
    if (typeof level === 'string' && LEVEL_LENGTH[level] !== code.length) {
      out.push(finding({ code: 'format', ...at(row, line, 'level'), value: level, detail: { zh: `级别与 ${code.length} 位代码不符`, en: `the level does not agree with a ${code.length}-digit code` } }))
    }
    const parentLength = PARENT_LENGTH[code.length]
    if (parentLength === undefined) {
      if (typeof parent === 'string') out.push(finding({ code: 'format', ...at(row, line, 'parent_code'), value: parent, detail: { zh: '省级单位不应有上级代码', en: 'a province has no parent' } }))
      continue
    }
    if (parent === undefined) {
      out.push(finding({ code: 'required', ...at(row, line, 'parent_code'), detail: { zh: '非省级单位须填写上级代码', en: 'every unit below a province needs its parent' } }))
    } else if (typeof parent === 'string') {
      if (parent !== code.slice(0, parentLength)) {
        out.push(finding({ code: 'format', ...at(row, line, 'parent_code'), value: parent, detail: { zh: `上级代码应为 ${code.slice(0, parentLength)}`, en: `the parent must be ${code.slice(0, parentLength)}` } }))
      } else if (!codes.has(parent) && !(registry?.has?.(parent) ?? false)) {
        out.push(finding({ code: 'format', ...at(row, line, 'parent_code'), value: parent, detail: { zh: '上级代码不在本文件或区划名册中', en: 'the parent is neither in this file nor in the registry' } }))
      }
    }
  }
  return out
}
