import { idCheckCharacter } from '../resident-id.ts'
import ExcelJS from 'exceljs'
import type { Cell, DataValidation, Worksheet } from 'exceljs'
import { DATASET_SPECS, type ColumnSpec, type ColumnType, type DatasetSpec } from '../../../schemas/datasets.ts'
import type { DatasetName, Message } from '../../../schemas/findings.ts'
import { columnLetter } from '../headers.ts'
import { TEMPLATE_DATA_ROWS } from '../../../schemas/settings.ts'

/**
 * The XLSX template a county clerk fills in (interfaces.md, `va template`): the Chinese
 * headers, a note on each header with its key, unit, type, bounds and allowed values, one
 * example row that passes every check, and Excel's own data validation on the rows below,
 * so that most mistakes are caught while typing rather than after the upload. Everything is
 * derived from DATASET_SPECS; only the example rows and the per-column notes are written here.
 */

export { TEMPLATE_DATA_ROWS }
export const INSTRUCTIONS_SHEET = '填写说明 Instructions'
/** MH03 (contract/validation.md): nothing is identified before this day. */
export const EARLIEST_DATE = new Date(Date.UTC(2020, 0, 1))

type ExampleValue = string | number | Date

/**
 * One valid row per dataset. The village report is Taipingchang village of the contract's
 * worked example (contract/examples/tongjiang_2023Q2_village_report.csv); the roster's
 * household lives there too, with a synthetic ID number (sequence 000, never issued) whose
 * GB 11643 check digit is right; the registry row is the province, the one row that is valid
 * on its own (every other level needs its parent in the same file or the registry).
 */
export const EXAMPLE_ROWS: Readonly<Record<DatasetName, Readonly<Record<string, ExampleValue>>>> = {
  village_report: {
    period: '2023Q2', village_code: '511921105203', village_name: '太平场村', township_name: '杨柏镇',
    key_assisted: '是', relocation_site: '否', households: 1150, population: 3562,
    alleviated_households: 141, alleviated_persons: 521, relocated_households: 55, relocated_persons: 183,
    monitored_unstable_households: 1, monitored_unstable_persons: 3, monitored_marginal_households: 1,
    monitored_marginal_persons: 3, monitored_hardship_households: 1, monitored_hardship_persons: 3,
    monitored_new_households: 0, risk_eliminated_households: 1, risk_eliminated_persons: 3,
    alleviated_income_per_capita: 7120.5, persons_below_monitoring_line: 4, alleviated_labor: 286,
    alleviated_labor_employed: 240, public_welfare_posts: 12, relocated_zero_employment_households: 0,
    dropouts: 0, medical_insured_persons: 527, unsafe_houses: 0, unsafe_water_households: 0,
    collective_operating_income: 61000, linkage_funds_allocated: 185, linkage_funds_spent: 102.5,
    projects_planned: 5, projects_completed: 3,
  },
  monitored_households: {
    period: '2023Q2', village_code: '511921105203', household_id: '511921105203-001',
    head_id_number: withCheckDigit('51192119680315000'), category: '脱贫不稳定户', household_size: 3,
    risk_causes: '因病、因学', income_per_capita: 8650, identified_on: new Date(Date.UTC(2022, 2, 15)),
    risk_eliminated: '是', eliminated_on: new Date(Date.UTC(2023, 4, 20)), assistance: '产业帮扶、健康帮扶',
  },
  org_units: { code: '51', name: '四川省', level: '省', parent_code: '', active: '是' },
  targets: { year: 2023, county_code: '511921', indicator: '风险消除率', q1: '20%', q2: '40%', q3: '60%', q4: '80%' },
}

/** GB 11643 / ISO 7064 MOD 11-2: the 18th character of a resident ID from its first 17. */
function withCheckDigit(body17: string): string {
  return body17 + idCheckCharacter(body17)
}

/** What one row stands for, and dataset-wide advice, for the instructions sheet. */
const DATASET_NOTES: Readonly<Record<DatasetName, readonly Message[]>> = {
  village_report: [
    { zh: '每个村每季度一行；同一文件中一个村只能出现一次。', en: 'One row per village per quarter; a village appears at most once in a file.' },
    { zh: '一个文件只报一个县、一个季度；再次上传的文件整体替换此前已接收的文件。', en: 'A file covers one county and one quarter; a new accepted upload replaces the earlier one as a whole.' },
    { zh: '标注“本年累计”的金额为 1 月 1 日至季度末的累计数；注意“元”与“万元”。', en: 'Figures marked "year to date" run from 1 January to the end of the quarter; mind yuan against 10k yuan.' },
    { zh: '辍学、危房、饮水不安全、搬迁零就业家庭请如实填报：大于 0 不是错误，由考核作为红线处理。', en: 'Dropouts, unsafe houses, unsafe water and zero-employment households must be reported truthfully: above 0 is not an error, the appraisal treats it as a red line.' },
  ],
  monitored_households: [
    { zh: '每个监测户一行（已消除风险的户仍保留在名册中，标注为已消除）。', en: 'One row per monitored household (households whose risk was eliminated stay on the roster, marked so).' },
    { zh: '户主身份证号只用于计算加密散列，原号码不会被保存、记录或在校验结果中显示。', en: 'The head of household ID number is only used to compute a keyed hash; the number itself is never stored, logged or echoed.' },
    { zh: '已消除风险的户须填写风险消除日期，未消除的户不得填写（规则 MH01）。', en: 'A household whose risk is eliminated needs its elimination date; one not eliminated must have none (rule MH01).' },
  ],
  org_units: [
    { zh: '每个区划单位一行：省、市、县、乡、村；由省或市管理员上传，县不上传此表。', en: 'One row per place: province, city, county, township, village; uploaded by a provincial or city administrator, not by counties.' },
    { zh: '上级代码须为本代码的前缀，并出现在同一文件或已有名册中；省级单位上级代码留空。', en: 'The parent code is the code’s own prefix and must be in the same file or the registry; a province has none.' },
    { zh: '上传的名册整体替换其所含省份的名册。', en: 'An accepted upload replaces the registry for the provinces it contains.' },
  ],
  targets: [
    { zh: '每个县、每个指标一行，填写各季度末的累计目标；比率可写作 0.25 或 25%。', en: 'One row per county and indicator, with the cumulative milestone at the end of each quarter; a rate may be written 0.25 or 25%.' },
    { zh: '由市或省管理员上传，只能填写本市（本省）的县；市的目标优先于省的目标。', en: 'Uploaded by a city official or the province administrator, for their own counties only; a city\'s milestone beats the province\'s.' },
    { zh: '新接收的文件整体替换同一年度、同一上传范围此前的目标。', en: 'An accepted upload replaces the earlier targets of the same year and scope.' },
  ],
}

/** What the contract says of a column beyond its type (village_report.md, monitored_households.md, org_units.md). */
const COLUMN_NOTES: Readonly<Record<string, Message>> = {
  'village_report.period': { zh: '须与上传路径中的报告期一致', en: 'must equal the period of the upload path' },
  'village_report.village_code': { zh: '前 6 位须为上传县的代码', en: 'the first 6 digits must be the uploading county’s code' },
  'village_report.key_assisted': { zh: '是否为乡村振兴重点帮扶村', en: 'a key village for rural-revitalisation assistance' },
  'village_report.relocation_site': { zh: '留空视为“否”', en: 'empty means 否 (no)' },
  'village_report.alleviated_households': { zh: '已脱贫户数', en: 'households lifted out of poverty' },
  'village_report.monitored_unstable_households': { zh: '监测对象第 1 类（同时计入脱贫户）', en: 'monitored, kind 1 (also counted among the alleviated households)' },
  'village_report.monitored_marginal_households': { zh: '监测对象第 2 类', en: 'monitored, kind 2' },
  'village_report.monitored_hardship_households': { zh: '监测对象第 3 类', en: 'monitored, kind 3' },
  'village_report.monitored_new_households': { zh: '本季度内新识别纳入监测的户数', en: 'households identified during this quarter' },
  'village_report.risk_eliminated_households': { zh: '全部监测户中已消除风险的户数', en: 'of all monitored households' },
  'village_report.persons_below_monitoring_line': { zh: '收入低于本省监测线的人数', en: 'persons whose income is under the province’s monitoring line' },
  'village_report.alleviated_labor_employed': { zh: '外出务工与本地就业合计', en: 'migrant plus local employment' },
  'village_report.relocated_zero_employment_households': { zh: '红线指标，如实填报', en: 'red line: report truthfully' },
  'village_report.dropouts': { zh: '红线指标，如实填报', en: 'red line: report truthfully' },
  'village_report.medical_insured_persons': { zh: '基本医疗保险参保人数，不超过脱贫人口与边缘易致贫、突发严重困难户人数之和', en: 'basic medical insurance; at most alleviated + marginal + hardship persons' },
  'village_report.unsafe_houses': { zh: '已发现尚未改造的危房；红线指标，如实填报', en: 'unsafe houses found and not yet renovated; red line: report truthfully' },
  'village_report.unsafe_water_households': { zh: '红线指标，如实填报', en: 'red line: report truthfully' },
  'monitored_households.period': { zh: '须与上传路径中的报告期一致', en: 'must equal the period of the upload path' },
  'monitored_households.village_code': { zh: '须属于上传县', en: 'within the uploading county' },
  'monitored_households.household_id': { zh: '全国防返贫监测系统中的户编号', en: 'the household’s number in the national monitoring system' },
  'monitored_households.head_id_number': { zh: '不会被保存，只保存加密散列', en: 'never stored: only a keyed hash is kept' },
  'monitored_households.risk_causes': { zh: '可填多项，用 、 或 , 分隔', en: 'one or more, separated by 、 or ,' },
  'monitored_households.identified_on': { zh: '不早于 2020-01-01，不晚于报告期末', en: 'not before 2020-01-01, not after the end of the quarter' },
  'monitored_households.eliminated_on': { zh: '已消除风险时必填，未消除时留空；不早于识别纳入日期，不晚于报告期末', en: 'given exactly when the risk is eliminated; between identified_on and the end of the quarter' },
  'monitored_households.assistance': { zh: '可填多项；未消除风险的户无帮扶措施时给出警告', en: 'one or more; a household at risk with none is warned about' },
  'org_units.level': { zh: '须与代码位数一致（2、4、6、9、12 位）', en: 'must agree with the code’s length (2, 4, 6, 9, 12 digits)' },
  'org_units.parent_code': { zh: '省级留空；其余为本代码的前缀', en: 'empty for a province; otherwise the code’s own prefix' },
  'org_units.active': { zh: '合并撤销的村保留为“否”；留空视为“是”', en: 'villages merged away stay as 否 (inactive); empty means 是' },
}

function bounds(min: number, max: number | undefined): string {
  return max === undefined ? `≥ ${min}` : `${min}–${max}`
}

function enumWords(values: Readonly<Record<string, string>>): Message {
  return { zh: Object.keys(values).join('、'), en: Object.entries(values).map(([zh, en]) => `${zh} ${en}`).join(', ') }
}

/** The column's type in words, as the header note and the instructions sheet say it. */
export function describeType(type: ColumnType): Message {
  switch (type.kind) {
    case 'period':
      return { zh: '报告期，写作 2023Q2（也接受 2023-Q2、2023年第2季度）', en: 'quarter, written 2023Q2 (2023-Q2 and 2023年第2季度 are accepted)' }
    case 'code':
      return { zh: `${type.lengths.join('、')} 位数字代码，按文本填写`, en: `${type.lengths.join(', ')}-digit code, entered as text` }
    case 'text':
      return {
        zh: `文本，${type.min ?? 0}–${type.max} 个字符${type.patternText ? `，只含 ${type.patternText}` : ''}`,
        en: `text of ${type.min ?? 0}–${type.max} characters${type.patternText ? `, only ${type.patternText}` : ''}`,
      }
    case 'bool':
      return { zh: '是 或 否（也接受 Y/N、yes/no、true/false、1/0）', en: 'yes or no: 是 or 否 (Y/N, yes/no, true/false, 1/0 are accepted)' }
    case 'int':
      return { zh: `整数，${bounds(type.min, type.max)}`, en: `whole number, ${bounds(type.min, type.max)}` }
    case 'num':
      return { zh: `数字，${bounds(type.min, type.max)}`, en: `number, ${bounds(type.min, type.max)}` }
    case 'date':
      return { zh: '日期，如 2023-03-05（也接受 2023/3/5、2023年3月5日）', en: 'date such as 2023-03-05 (2023/3/5 and 2023年3月5日 are accepted)' }
    case 'enum':
      return { zh: '从下拉列表中选一项', en: 'one value from the dropdown' }
    case 'enumList':
      return { zh: '一项或多项，用 、 分隔', en: 'one or more values, separated by 、' }
    case 'idNumber':
      return { zh: '18 位居民身份证号（末位可为 X），按文本填写', en: '18-character resident ID number (last character may be X), entered as text' }
  }
}

function requiredWords(column: ColumnSpec): Message {
  if (column.required === 'rule') return { zh: '视规则 MH01 而定', en: 'by rule MH01' }
  return column.required ? { zh: '是', en: 'yes' } : { zh: '否', en: 'no' }
}

/** Lines of the header note: everything a clerk needs without leaving the sheet. */
export function headerNote(spec: DatasetSpec, column: ColumnSpec): string {
  const type = describeType(column.type)
  const lines = [`${column.zh} / ${column.key}`, `类型 Type：${type.zh} / ${type.en}`]
  if (column.unit) lines.push(`单位 Unit：${column.unit.zh} / ${column.unit.en}`)
  if (column.type.kind === 'int' || column.type.kind === 'num') lines.push(`范围 Bounds：${bounds(column.type.min, column.type.max)}`)
  if (column.type.kind === 'enum' || column.type.kind === 'enumList') {
    const words = enumWords(column.type.values)
    lines.push(`可选值 Allowed：${words.zh}`, `(${words.en})`)
  }
  const required = requiredWords(column)
  lines.push(`必填 Required：${required.zh} / ${required.en}`)
  const note = COLUMN_NOTES[`${spec.name}.${column.key}`]
  if (note) lines.push(`说明：${note.zh}`, `Note: ${note.en}`)
  if (column.aliases.length) lines.push(`也可用表头 Also accepted：${column.aliases.join('、')}`)
  return lines.join('\n')
}

/** Excel refuses a workbook whose validation titles or texts are longer than it allows. */
function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`
}

/** A list validation's inline formula: Excel allows at most 255 characters between the quotes. */
function listFormula(words: readonly string[]): string {
  return `"${clip(words.join(','), 255)}"`
}

/**
 * Excel's data validation for one column. Empty cells are allowed: Excel cannot insist on a
 * value, and a required column is enforced by the upload check (`required`).
 */
export function columnValidation(column: ColumnSpec): DataValidation {
  const type = describeType(column.type)
  const common = {
    allowBlank: true,
    showInputMessage: true,
    promptTitle: clip(column.zh, 32),
    // Attribute text: a line break would reach Excel as a space, so the languages are joined by ' / '.
    prompt: clip(`${type.zh}${column.unit ? `（${column.unit.zh}）` : ''} / ${type.en}`, 255),
    showErrorMessage: true,
    errorStyle: 'stop',
    errorTitle: clip(`${column.zh} 填写有误`, 32),
    error: clip(`${type.zh} / ${type.en}`, 225),
  } as const
  const t = column.type
  switch (t.kind) {
    case 'bool':
      return { ...common, type: 'list', formulae: [listFormula(['是', '否'])] }
    case 'enum':
      return { ...common, type: 'list', formulae: [listFormula(Object.keys(t.values))] }
    case 'enumList':
      // The dropdown offers single values; several joined by 、 must stay possible, so Excel
      // does not refuse what is not in the list (the upload check does, word by word).
      return { ...common, type: 'list', formulae: [listFormula(Object.keys(t.values))], showErrorMessage: false }
    case 'int':
    case 'num': {
      const kind = t.kind === 'int' ? 'whole' : 'decimal'
      return t.max === undefined
        ? { ...common, type: kind, operator: 'greaterThanOrEqual', formulae: [t.min] }
        : { ...common, type: kind, operator: 'between', formulae: [t.min, t.max] }
    }
    case 'date':
      return { ...common, type: 'date', operator: 'greaterThanOrEqual', formulae: [EARLIEST_DATE] }
    case 'code': {
      const min = Math.min(...t.lengths)
      const max = Math.max(...t.lengths)
      return min === max
        ? { ...common, type: 'textLength', operator: 'equal', formulae: [min] }
        : { ...common, type: 'textLength', operator: 'between', formulae: [min, max] }
    }
    case 'idNumber':
      return { ...common, type: 'textLength', operator: 'equal', formulae: [18] }
    case 'text':
      return { ...common, type: 'textLength', operator: 'between', formulae: [t.min ?? 0, t.max] }
    case 'period':
      // 2023Q2 (6) up to 2023年第2季度 (9); the shape itself is checked on upload (`format`).
      return { ...common, type: 'textLength', operator: 'between', formulae: [6, 10] }
  }
}

/** Columns typed as text so Excel keeps 12-digit codes and 18-digit IDs as written. */
function isTextColumn(type: ColumnType): boolean {
  return type.kind === 'code' || type.kind === 'idNumber' || type.kind === 'text' || type.kind === 'period'
}

/** Display width of a string: CJK characters take two columns. */
function displayWidth(text: string): number {
  let w = 0
  for (const ch of text) w += /[\u2e80-\u9fff\uff00-\uffef]/.test(ch) ? 2 : 1
  return w
}

function columnWidth(column: ColumnSpec): number {
  const byType: Partial<Record<ColumnType['kind'], number>> = { code: 15, idNumber: 21, date: 12, enumList: 22, enum: 15, text: 14 }
  return Math.min(30, Math.max(displayWidth(column.zh) + 2, byType[column.type.kind] ?? 10))
}

const REQUIRED_FILL = 'FFFCE4D6'
const OPTIONAL_FILL = 'FFEDEDED'
const THIN = { style: 'thin', color: { argb: 'FFBFBFBF' } } as const

/** Dropdown validations are per range; exceljs keeps them in a model it does not type. */
function addValidation(ws: Worksheet, range: string, validation: DataValidation): void {
  ;(ws as unknown as { dataValidations: { add(range: string, v: DataValidation): void } }).dataValidations.add(range, validation)
}

function writeExample(cell: Cell, value: ExampleValue, column: ColumnSpec): void {
  if (value === '') return
  cell.value = value
  if (column.type.kind === 'date') cell.numFmt = 'yyyy-mm-dd'
  cell.font = { italic: true, color: { argb: 'FF595959' } }
}

function fillDataSheet(ws: Worksheet, spec: DatasetSpec): void {
  const example = EXAMPLE_ROWS[spec.name]
  const lastRow = 1 + TEMPLATE_DATA_ROWS
  spec.columns.forEach((column, i) => {
    const col = ws.getColumn(i + 1)
    col.width = columnWidth(column)
    if (isTextColumn(column.type)) col.numFmt = '@'
    else if (column.type.kind === 'date') col.numFmt = 'yyyy-mm-dd'

    const header = ws.getCell(1, i + 1)
    header.value = column.zh
    header.numFmt = '@'
    header.font = { bold: true }
    header.alignment = { vertical: 'middle', horizontal: 'center', wrapText: true }
    header.fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: column.required === true ? REQUIRED_FILL : OPTIONAL_FILL } }
    header.border = { top: THIN, left: THIN, bottom: THIN, right: THIN }
    header.note = { texts: [{ text: headerNote(spec, column) }], editAs: 'absolute' }

    const value = example[column.key]
    if (value !== undefined) writeExample(ws.getCell(2, i + 1), value, column)

    const letter = columnLetter(i)
    addValidation(ws, `${letter}2:${letter}${lastRow}`, columnValidation(column))
  })
  ws.getRow(1).height = 32
  ws.views = [{ state: 'frozen', xSplit: 0, ySplit: 1, topLeftCell: 'A2', activeCell: 'A2' }]
}

function fillInstructions(ws: Worksheet, spec: DatasetSpec): void {
  ws.columns = [
    { width: 6 }, { width: 22 }, { width: 30 }, { width: 12 }, { width: 40 }, { width: 18 }, { width: 40 }, { width: 24 }, { width: 44 },
  ]
  const wrap = { wrapText: true, vertical: 'top' } as const
  ws.addRow([`${spec.zh}（${spec.name}）填写说明 / How to fill in the ${spec.name} template`]).font = { bold: true, size: 14 }
  const general: Message[] = [
    { zh: `第 1 行为表头，请勿修改；第 2 行为示例（斜体），填写前请覆盖或删除。`, en: 'Row 1 is the header: do not change it. Row 2 is an example (italic): overwrite or delete it.' },
    ...DATASET_NOTES[spec.name],
    { zh: '代码和身份证号列已设为文本格式，请直接输入数字，勿改为数值格式（否则长代码会被改写）。', en: 'Code and ID columns are formatted as text: type the digits, do not switch them to a number format (long codes get mangled).' },
    { zh: '表头批注和下拉列表给出每列的单位、范围和可选值；橙色表头为必填列，灰色为选填列。', en: 'Header notes and dropdowns give each column’s unit, bounds and allowed values; orange headers are required, grey ones optional.' },
    { zh: '表格内的校验只是提示；上传后系统按数据标准对全部规则重新校验，并列出所有问题。', en: 'The checks in the sheet only help while typing; the upload is checked against every rule of the contract and every problem is listed.' },
  ]
  for (const m of general) {
    const row = ws.addRow(['', `${m.zh}\n${m.en}`])
    ws.mergeCells(row.number, 2, row.number, 9)
    row.getCell(2).alignment = wrap
    row.height = 32
  }
  ws.addRow([])
  const head = ws.addRow(['列\nColumn', '表头\nHeader', '英文键\nKey', '必填\nRequired', '类型\nType', '单位\nUnit', '可选值 / 范围\nAllowed values / bounds', '其他可用表头\nAlso accepted', '说明\nNotes'])
  head.font = { bold: true }
  head.eachCell((c) => {
    c.alignment = wrap
    c.fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: OPTIONAL_FILL } }
  })
  spec.columns.forEach((column, i) => {
    const type = describeType(column.type)
    const required = requiredWords(column)
    const t = column.type
    const allowed = t.kind === 'enum' || t.kind === 'enumList'
      ? (({ zh, en }) => `${zh}\n${en}`)(enumWords(t.values))
      : t.kind === 'int' || t.kind === 'num' ? bounds(t.min, t.max) : ''
    const note = COLUMN_NOTES[`${spec.name}.${column.key}`]
    const row = ws.addRow([
      columnLetter(i), column.zh, column.key, `${required.zh}\n${required.en}`, `${type.zh}\n${type.en}`,
      column.unit ? `${column.unit.zh}\n${column.unit.en}` : '', allowed, column.aliases.join('、'), note ? `${note.zh}\n${note.en}` : '',
    ])
    row.eachCell((c) => (c.alignment = wrap))
  })
  ws.views = [{ state: 'frozen', xSplit: 0, ySplit: head.number, topLeftCell: `A${head.number + 1}`, activeCell: `A${head.number + 1}` }]
}

/**
 * The template of one dataset as XLSX bytes: the data sheet named after the dataset in
 * Chinese (first, so that the pipeline reads it) and the instructions sheet after it.
 */
export async function buildTemplate(dataset: DatasetName): Promise<Uint8Array> {
  const spec = DATASET_SPECS[dataset]
  const wb = new ExcelJS.Workbook()
  wb.creator = 'village-appraisal'
  wb.title = `${spec.zh} ${spec.name}`
  fillDataSheet(wb.addWorksheet(spec.zh), spec)
  fillInstructions(wb.addWorksheet(INSTRUCTIONS_SHEET), spec)
  const buffer = await wb.xlsx.writeBuffer()
  // exceljs hands back a Node Buffer, typed as its own Buffer interface.
  return new Uint8Array(buffer)
}
