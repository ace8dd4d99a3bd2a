import { DATASET_SPECS } from '../../schemas/datasets.ts'
import { isResidentId } from './resident-id.ts'
import type { Finding, FindingCode, Message, RuleId, Severity } from '../../schemas/findings.ts'

/**
 * The catalogue of finding codes: severity and what each code means, in Chinese and English.
 * The README's county guide is generated from this table, so the two cannot drift.
 */
export const CODE_CATALOGUE: Record<FindingCode, { severity: Severity | 'error or warning'; zh: string; en: string }> = {
  unsupported_format: { severity: 'error', zh: '文件不是 CSV、XLSX 或 JSON 格式', en: 'The file is not CSV, XLSX or JSON' },
  malformed: { severity: 'error', zh: '文件内容损坏，无法按其格式读取', en: 'The file does not parse as the format it claims' },
  encoding: { severity: 'error', zh: '文本既不是 UTF-8 也不是 GB18030 编码', en: 'The text is neither UTF-8 nor GB18030' },
  empty_file: { severity: 'error', zh: '文件没有表头或没有数据行', en: 'The file has no header or no data rows' },
  file_too_large: { severity: 'error', zh: '文件超过允许的大小', en: 'The file is over the size limit' },
  too_many_rows: { severity: 'error', zh: '数据行数超过允许的上限', en: 'The file has more rows than allowed' },
  archive_limits: { severity: 'error', zh: 'XLSX 解压后过大或条目过多（疑似压缩炸弹）', en: 'The XLSX unpacks too large or has too many entries (zip bomb)' },
  unknown_dataset: { severity: 'error', zh: '表头无法对应任何数据集', en: 'The headers match no dataset' },
  missing_column: { severity: 'error', zh: '缺少必填列', en: 'A required column is missing' },
  duplicate_column: { severity: 'error', zh: '两个表头对应同一列', en: 'Two headers map to the same column' },
  unknown_column: { severity: 'warning', zh: '无法识别的表头，该列被忽略', en: 'A header maps to no column and is ignored' },
  wrong_place: { severity: 'error', zh: '上传路径不符合 uploads/<县代码>/<报告期>/<文件名>', en: 'The object key is not uploads/<county6>/<YYYYQn>/<file>' },
  period_locked: { severity: 'error', zh: '该季度已考核并锁定，需先解锁才能更正', en: 'The quarter is appraised and locked; it must be unlocked before corrections' },
  late_submission: { severity: 'warning', zh: '逾期报送', en: 'Submitted after the deadline' },
  required: { severity: 'error', zh: '必填项为空', en: 'A required cell is empty' },
  type: { severity: 'error', zh: '数据类型不符（数字、整数、日期或是/否）', en: 'Not a number, whole number, date or yes/no as the column needs' },
  range: { severity: 'error', zh: '数值超出允许范围', en: 'Outside the column’s bounds' },
  enum: { severity: 'error', zh: '不是允许的取值之一', en: 'Not one of the allowed values' },
  format: { severity: 'error', zh: '格式错误（代码位数、身份证校验位或报告期写法）', en: 'Wrong shape (code length, ID check digit, period spelling)' },
  period_mismatch: { severity: 'error', zh: '报告期与上传路径的报告期不一致', en: 'The row’s period is not the upload’s period' },
  outside_county: { severity: 'error', zh: '村代码不属于上传县', en: 'The village code is not in the uploading county' },
  duplicate_key: { severity: 'error', zh: '同一文件中主键重复', en: 'The same key appears twice in the file' },
  rule: { severity: 'error or warning', zh: '逻辑校验规则未通过', en: 'A cross-field rule fails' },
  outlier: { severity: 'warning', zh: '与上一季度相比变化异常', en: 'An unusual change against the previous quarter' },
  roster_mismatch: { severity: 'warning', zh: '村报表与监测户名册不一致', en: 'The village report and the household roster disagree' },
  unassisted: { severity: 'warning', zh: '未消除风险的监测户没有落实帮扶措施', en: 'A monitored household at risk has no assistance measure' },
  unknown_village: { severity: 'warning', zh: '村不在区划名册中或已失效', en: 'The village is not active in the registry' },
  unit_suspect: { severity: 'error', zh: '金额约为应有数值的 1 千倍以上或千分之一以下，疑似单位（元/万元）填错', en: 'A money figure is a thousand times too large or too small: yuan and 10k yuan mixed up' },
  household_dropped: { severity: 'warning', zh: '上一期名册上风险未消除的监测户不在本期名册中（漏测失帮风险）：请补报该户，或说明其去向', en: 'A household at risk on the previous roster is absent from this one (risk of a household lost to monitoring): add it back, or explain where it went' },
  id_number_misplaced: { severity: 'error', zh: '此处填写了身份证号码，请删除（身份证号只能填在「户主身份证号」列）', en: 'A resident ID number is typed here: delete it (an ID number belongs only in the head_id_number column)' },
}

/** What each cross-field rule and quarter-over-quarter check says, in both languages. */
export const RULE_CATALOGUE: Record<RuleId, { severity: Severity; zh: string; en: string }> = {
  VR01: { severity: 'error', zh: '总人口应不少于总户数', en: 'population must be at least households' },
  VR02: { severity: 'error', zh: '脱贫户数不超过总户数，脱贫人口数不超过总人口', en: 'alleviated households ≤ households and alleviated persons ≤ population' },
  VR03: { severity: 'error', zh: '人数应不少于户数（脱贫、易地搬迁及各类监测户）', en: 'persons must be at least households (alleviated, relocated and each monitored kind)' },
  VR04: { severity: 'error', zh: '易地搬迁户数不超过总户数', en: 'relocated households ≤ households' },
  VR05: { severity: 'error', zh: '脱贫不稳定户数不超过脱贫户数', en: 'unstable monitored households ≤ alleviated households' },
  VR06: { severity: 'error', zh: '已消除风险户数（人数）不超过三类监测户数（人数）之和', en: 'risk-eliminated households (persons) ≤ the three monitored kinds’ households (persons)' },
  VR07: { severity: 'error', zh: '本季度新识别监测户数不超过三类监测户数之和', en: 'newly identified households ≤ the three monitored kinds’ households' },
  VR08: { severity: 'error', zh: '脱贫劳动力不超过脱贫人口，务工就业人数不超过脱贫劳动力', en: 'alleviated labour ≤ alleviated persons and employed ≤ alleviated labour' },
  VR09: { severity: 'error', zh: '搬迁零就业家庭户数不超过易地搬迁户数', en: 'zero-employment relocated households ≤ relocated households' },
  VR10: { severity: 'error', zh: '参保人数不超过脱贫人口与边缘易致贫、突发严重困难户人数之和', en: 'medically insured persons ≤ alleviated + marginal + hardship persons' },
  VR11: { severity: 'warning', zh: '衔接资金支出超过下达', en: 'linkage funds spent exceed funds allocated' },
  VR12: { severity: 'error', zh: '已竣工项目数不超过项目数', en: 'projects completed ≤ projects planned' },
  VR13: { severity: 'error', zh: '低于监测线人数不超过总人口', en: 'persons below the monitoring line ≤ population' },
  VR14: { severity: 'warning', zh: '有脱贫人口但人均纯收入为 0', en: 'income per capita is 0 while there are alleviated persons' },
  MH01: { severity: 'error', zh: '已消除风险时必须填写风险消除日期，未消除时不得填写', en: 'eliminated_on is given exactly when risk_eliminated is yes' },
  MH02: { severity: 'error', zh: '识别纳入日期 ≤ 风险消除日期 ≤ 报告期末，识别纳入日期 ≤ 报告期末', en: 'identified_on ≤ eliminated_on ≤ period end, and identified_on ≤ period end' },
  MH03: { severity: 'error', zh: '识别纳入日期不得早于 2020-01-01', en: 'identified_on must not be before 2020-01-01' },
  QQ01: { severity: 'warning', zh: '总人口较上一季度变化超过 20%', en: 'population changed by more than 20% on the previous quarter' },
  QQ02: { severity: 'warning', zh: '脱贫人口数较上一季度变化超过 10%', en: 'alleviated persons changed by more than 10% on the previous quarter' },
  QQ03: { severity: 'warning', zh: '本年累计数较本年上一季度下降', en: 'a year-to-date figure fell since the previous quarter of the same year' },
  QQ04: { severity: 'warning', zh: '人均纯收入与上年同季度相差超过 50%', en: 'income per capita differs by more than 50% from the same quarter a year earlier' },
  QQ05: { severity: 'warning', zh: '已停用（其情形现为错误 unit_suspect，规则 UN02），不再报告', en: 'retired: never reported (its cases are now the error unit_suspect, rule UN02)' },
  UN01: { severity: 'error', zh: '金额与本文件其他行该列的中位数相差 1 千倍以上，疑似单位（元/万元）填错', en: 'a money figure is out of scale (1,000 times) against the median of the column in the file’s other rows: yuan and 10k yuan mixed up' },
  UN02: { severity: 'error', zh: '金额与本村此前可比数值相差 1 千倍以上，疑似单位（元/万元）填错', en: 'a money figure is out of scale (1,000 times) against the village’s comparable earlier value: yuan and 10k yuan mixed up' },
}

/** What a finding is made from; a property left undefined is simply not there (it is never written). */
export interface FindingInput {
  severity?: Severity | undefined
  code: FindingCode
  rule?: RuleId | undefined
  row?: number | undefined
  column?: string | undefined
  header?: string | undefined
  cell?: string | undefined
  sheet?: string | undefined
  value?: string | undefined
  /** A sentence specific to this finding, added after the catalogue's text. */
  detail?: Message | undefined
}

/**
 * Builds a finding with its keys in the contract's order and a message in both languages.
 * The message names the cell and value so a clerk can act on it without the code table.
 */
const ID_LIKE_RE = /\d{17}[\dXx]/

/** True when the text holds a resident ID number with a valid check digit, anywhere in it. */
export function holdsIdNumber(text: string): boolean {
  const normalised = text.normalize('NFKC')
  if (!ID_LIKE_RE.test(normalised)) return false
  for (const m of normalised.matchAll(/\d{17}[\dXx]/g)) if (isResidentId(m[0].toUpperCase())) return true
  return false
}

/** Replaces every valid resident ID number in a text (a log line, an error) by a marker. */
export function redactIdNumbers(text: string): string {
  if (!ID_LIKE_RE.test(text)) return text
  return text.replace(/\d{17}[\dXx]/g, (m) => (holdsIdNumber(m) ? '[ID number]' : m))
}

function without(input: FindingInput, key: 'value' | 'header'): FindingInput {
  const { [key]: _dropped, ...rest } = input
  return rest
}

export function finding(input: FindingInput): Finding {
  // A personal ID number is never echoed, whichever column it was typed into (a roster whose
  // header was not recognised, an ID pasted into a name): such a value or header is left out.
  if (input.value !== undefined && holdsIdNumber(input.value)) input = without(input, 'value')
  if (input.header !== undefined && holdsIdNumber(input.header)) input = without(input, 'header')
  const rule = input.rule ? RULE_CATALOGUE[input.rule] : undefined
  const base = CODE_CATALOGUE[input.code]
  const severity: Severity = input.severity ?? rule?.severity ?? (base.severity === 'warning' ? 'warning' : 'error')
  const where = describeWhere(input)
  const what = rule ? { zh: `${input.rule}：${rule.zh}`, en: `${input.rule}: ${rule.en}` } : { zh: base.zh, en: base.en }
  const zhParts = [where.zh, what.zh, input.detail?.zh].filter(Boolean)
  const enParts = [where.en, what.en, input.detail?.en].filter(Boolean)
  const out = { severity, code: input.code } as Finding
  if (input.rule !== undefined) out.rule = input.rule
  if (input.row !== undefined) out.row = input.row
  if (input.column !== undefined) out.column = input.column
  if (input.header !== undefined) out.header = input.header
  if (input.cell !== undefined) out.cell = input.cell
  if (input.sheet !== undefined) out.sheet = input.sheet
  if (input.value !== undefined) out.value = input.value
  // message last: the contract's key order (interfaces.md).
  out.message = { zh: zhParts.join('：'), en: enParts.join(': ') }
  return out
}

/**
 * The message without what a listing shows in its own columns already: the opening "where"
 * (sheet, cell or row, header, value) and the rule's id.
 */
export function messageBody(finding: Finding): Message {
  const where = describeWhere(finding)
  const strip = (text: string, prefix: string | undefined, separator: string) =>
    prefix && text.startsWith(prefix + separator) ? text.slice(prefix.length + separator.length) : text
  return {
    zh: strip(strip(finding.message.zh, where.zh, '：'), finding.rule, '：'),
    en: strip(strip(finding.message.en, where.en, ': '), finding.rule, ': '),
  }
}

/** Each column key's Chinese header, so that a Chinese message names a column in Chinese. */
const CHINESE_HEADER: ReadonlyMap<string, string> = new Map(
  Object.values(DATASET_SPECS).flatMap((spec) => spec.columns.map((c): [string, string] => [c.key, c.zh])).reverse(),
)

function describeWhere(input: Pick<FindingInput, 'sheet' | 'cell' | 'row' | 'header' | 'column' | 'value'>): Message {
  const zh: string[] = []
  const en: string[] = []
  if (input.sheet !== undefined) { zh.push(`工作表「${input.sheet}」`); en.push(`sheet "${input.sheet}"`) }
  if (input.cell !== undefined) { zh.push(`单元格 ${input.cell}`); en.push(`cell ${input.cell}`) }
  else if (input.row !== undefined) { zh.push(`第 ${input.row} 行`); en.push(`row ${input.row}`) }
  if (input.header !== undefined) { zh.push(`「${input.header}」`); en.push(`"${input.header}"`) }
  else if (input.column !== undefined) { zh.push(`「${CHINESE_HEADER.get(input.column) ?? input.column}」`); en.push(`"${input.column}"`) }
  if (input.value !== undefined) { zh.push(`值「${input.value}」`); en.push(`value "${input.value}"`) }
  return { zh: zh.join(' '), en: en.join(', ') }
}
