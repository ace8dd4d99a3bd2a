import { parsePeriod, type Quarter } from './period.ts'

/** Where an object sits in the ingest bucket, or why that place is wrong (`wrong_place`). */
export type UploadPlace =
  | { kind: 'county'; county: string; period: string; quarter: Quarter; fileName: string }
  | { kind: 'registry'; fileName: string }
  /**
   * A targets file (rectification.md, "Targets"). `scope` is the uploader's province (2 digits)
   * or city (4 digits), from the object's `scope` metadata; undefined without it.
   */
  | { kind: 'targets'; fileName: string; scope?: string }
  | { kind: 'wrong'; reason: { zh: string; en: string } }

/** The user metadata a targets upload carries its uploader's scope in (`x-amz-meta-scope`). */
export const SCOPE_METADATA = 'scope'

// eslint-disable-next-line no-control-regex
const BAD_NAME_RE = /[\u0000-\u001f\u007f\\]/

function badFileName(name: string): boolean {
  return name === '' || name === '.' || name === '..' || BAD_NAME_RE.test(name)
}

/**
 * Reads an ingest key: `uploads/<county6>/<YYYYQn>/<file>`, `registry/org_units/<file>` or
 * `registry/targets/<file>`
 * (interfaces.md). Anything else, including `..` segments and nested folders, is wrong_place.
 */
export function parseUploadKey(key: string): UploadPlace {
  const parts = key.split('/')
  if (parts[0] === 'registry') {
    if (parts.length === 3 && parts[1] === 'org_units' && !badFileName(parts[2]!)) return { kind: 'registry', fileName: parts[2]! }
    if (parts.length === 3 && parts[1] === 'targets' && !badFileName(parts[2]!)) return { kind: 'targets', fileName: parts[2]! }
    return { kind: 'wrong', reason: { zh: '区划名册应上传到 registry/org_units/<文件名>，目标任务到 registry/targets/<文件名>', en: 'a registry goes to registry/org_units/<file>, targets to registry/targets/<file>' } }
  }
  if (parts[0] !== 'uploads' || parts.length !== 4) {
    return { kind: 'wrong', reason: { zh: '路径应为 uploads/<县代码>/<报告期>/<文件名>', en: 'the key must be uploads/<county6>/<YYYYQn>/<file>' } }
  }
  const [, county, period, fileName] = parts as [string, string, string, string]
  if (!/^\d{6}$/.test(county)) return { kind: 'wrong', reason: { zh: `县代码「${county}」应为 6 位数字`, en: `the county "${county}" must be 6 digits` } }
  const quarter = parsePeriod(period)
  if (!quarter) return { kind: 'wrong', reason: { zh: `报告期「${period}」应写作 2024Q2`, en: `the period "${period}" must be written like 2024Q2` } }
  if (badFileName(fileName)) return { kind: 'wrong', reason: { zh: '文件名不合法', en: 'the file name is not acceptable' } }
  return { kind: 'county', county, period, quarter, fileName }
}
