import { DATASET_SPECS, type DatasetSpec } from '../../../schemas/datasets.ts'
import type { DatasetName, Finding } from '../../../schemas/findings.ts'
import { hasRowBatches } from '../decode/decode-csv.ts'
import type { DecodedFile, FileFormat, RawRow, SheetSource } from '../decode/types.ts'
import { finding, type FindingInput } from '../findings.ts'
import { HEADER_SEARCH_ROWS, classifyHeaderRow, columnLetter, mapHeader, moneyUnitConflict, type ColumnBinding, type HeaderMapping } from '../headers.ts'
import { isBlank } from '../values.ts'

/** Where the data rows of a file start, and how to read on. */
export interface FoundHeader {
  spec: DatasetSpec
  sheet: SheetSource
  header: RawRow
  /** The header's index among the sheet's rows (from 0). */
  headerIndex: number
  /** Rows after the header read while searching for it. */
  pending: RawRow[]
  /** The search's reader, positioned after `consumed` rows. */
  rest: AsyncIterator<RawRow>
  consumed: number
  /** The search read the whole sheet. */
  exhausted: boolean
}

/** Where a finding about one cell points: row, column, header as written, cell, sheet. */
export type CellPlace = Omit<FindingInput, 'code'>
export type Locate = (row: number, line: number, key: string) => CellPlace

/** A found header row bound to its dataset's columns. */
export interface BoundHeader {
  found: FoundHeader
  spec: DatasetSpec
  mapping: HeaderMapping
  /** Each bound column's binding, by key. */
  bindingOf: ReadonlyMap<string, ColumnBinding>
  locate: Locate
  /** Where a finding about the cell at an index points, by row, column and cell only (id_number_misplaced). */
  locateIndex: (row: number, line: number, index: number) => CellPlace
  /** What the header row itself says: unknown, duplicate and missing columns. */
  findings: Finding[]
}

export type HeaderSearch = { found: FoundHeader } | { found: undefined; problems: Finding[] }

interface SheetSearch {
  found?: FoundHeader
  sawContent: boolean
  sawTie: boolean
}

/** The header row: the first visible sheet with one (validation.md, "Reading a file"). */
export async function findHeader(file: DecodedFile, datasets: readonly DatasetName[]): Promise<HeaderSearch> {
  const candidates = datasets.map((d) => DATASET_SPECS[d])
  let sawContent = false
  for (const sheet of file.sheets) {
    const search = await searchSheet(sheet, candidates)
    sawContent ||= search.sawContent
    if (search.found) return { found: search.found }
    if (search.sawTie || file.problems.length > 0) return { found: undefined, problems: noHeader(file, sawContent, search.sawTie) }
  }
  return { found: undefined, problems: noHeader(file, sawContent, false) }
}

async function searchSheet(sheet: SheetSource, candidates: readonly DatasetSpec[]): Promise<SheetSearch> {
  const it = sheet.rows()[Symbol.asyncIterator]()
  const buffered: RawRow[] = []
  let exhausted = false
  while (buffered.length < HEADER_SEARCH_ROWS) {
    const next = await it.next()
    if (next.done) {
      exhausted = true
      break
    }
    buffered.push(next.value)
  }
  let sawContent = false
  let sawTie = false
  for (let i = 0; i < buffered.length; i++) {
    const row = buffered[i]!
    if (row.cells.some((c) => !isBlank(c))) sawContent = true
    const verdict = classifyHeaderRow(row.cells, candidates)
    if (verdict.kind === 'header') {
      const found = { spec: DATASET_SPECS[verdict.dataset], sheet, header: row, headerIndex: i, pending: buffered.slice(i + 1), rest: it, consumed: buffered.length, exhausted }
      return { found, sawContent, sawTie }
    }
    // The first row with 3 known headers is the header row: a tie there is unknown_dataset,
    // not a reason to look further down (validation.md, "Reading a file").
    if (verdict.kind === 'tie') {
      sawTie = true
      break
    }
  }
  await it.return?.()
  return { sawContent, sawTie }
}

/** Why no header was found: the decoder's problems, else an empty file or an unknown dataset. */
function noHeader(file: DecodedFile, sawContent: boolean, sawTie: boolean): Finding[] {
  if (file.problems.length > 0) return [...file.problems]
  if (!sawContent) return [finding({ code: 'empty_file', detail: { zh: '文件中没有内容', en: 'the file holds nothing' } })]
  return [finding({
    code: 'unknown_dataset',
    detail: sawTie
      ? { zh: '表头同时符合多个数据集，请用 --dataset 指明', en: 'the headers fit more than one dataset equally; name it with --dataset' }
      : { zh: `前 ${HEADER_SEARCH_ROWS} 行中没有至少 3 个可识别表头的行`, en: `no row among the first ${HEADER_SEARCH_ROWS} has at least 3 known headers` },
  })]
}

const UNIT_EN: Record<string, string> = { 元: 'yuan', 万元: '10k yuan' }

/** Binds the header's cells to the dataset's columns, with the header row's own findings. */
export function bindHeader(found: FoundHeader, format: FileFormat): BoundHeader {
  const isJson = format === 'json'
  const sheetName = format === 'xlsx' ? found.sheet.name : undefined
  const mapping = mapHeader(found.header.cells, found.spec)
  const bindingOf = new Map(mapping.bindings.map((b) => [b.column.key, b]))
  const headerCell = (letter: string) => (isJson ? undefined : `${letter}${found.header.line}`)
  const findings: Finding[] = []
  for (const u of mapping.unknown) {
    findings.push(finding({ code: 'unknown_column', header: u.header, cell: headerCell(u.letter), sheet: sheetName }))
  }
  for (const d of mapping.duplicates) {
    findings.push(finding({
      code: 'duplicate_column', column: d.column.key, header: d.header, cell: headerCell(d.letter), sheet: sheetName,
      detail: { zh: `与「${d.first.header}」重复，只使用第一列`, en: `same column as "${d.first.header}"; the first one is used` },
    }))
  }
  // A money column whose header names the other unit: every figure under it is 10,000× off.
  for (const b of mapping.bindings) {
    const conflict = moneyUnitConflict(b.header, b.column)
    if (!conflict) continue
    findings.push(finding({
      code: 'unit_suspect', column: b.column.key, header: b.header, cell: headerCell(b.letter), sheet: sheetName,
      detail: {
        zh: `表头写明单位为「${conflict.written}」，本列应以「${conflict.wanted}」填报：请把本列数字换算为${conflict.wanted}，表头写「${b.column.zh}」或「${b.column.zh}（${conflict.wanted}）」`,
        en: `the header says the unit is ${conflict.written} (${UNIT_EN[conflict.written]}), but the column is asked in ${conflict.wanted} (${UNIT_EN[conflict.wanted]}): convert the figures to ${UNIT_EN[conflict.wanted]} and write the header as "${b.column.zh}" or "${b.column.zh}（${conflict.wanted}）"`,
      },
    }))
  }
  for (const m of mapping.missing) {
    findings.push(finding({ code: 'missing_column', column: m.key, detail: { zh: `应有「${m.zh}」列`, en: `expected a column "${m.zh}" (${m.key})` } }))
  }
  return { found, spec: found.spec, mapping, bindingOf, locate: cellLocator(bindingOf, isJson, sheetName), locateIndex: indexLocator(mapping, isJson, sheetName), findings }
}

/** A finding's place in the file as the county sees it (JSON has no cells). */
function cellLocator(bindingOf: ReadonlyMap<string, ColumnBinding>, isJson: boolean, sheetName: string | undefined): Locate {
  return (row, line, key) => {
    const b = bindingOf.get(key)
    const place: CellPlace = { row, column: key }
    if (b) {
      place.header = b.header
      if (!isJson) place.cell = `${b.letter}${line}`
    }
    if (sheetName !== undefined) place.sheet = sheetName
    return place
  }
}

/** The place of a cell by its index: its column key, or an unknown column's header as written. */
function indexLocator(mapping: HeaderMapping, isJson: boolean, sheetName: string | undefined): BoundHeader['locateIndex'] {
  const keyAt = new Map<number, string>()
  for (const u of mapping.unknown) keyAt.set(u.index, u.header)
  for (const d of mapping.duplicates) keyAt.set(d.index, d.column.key)
  for (const b of mapping.bindings) keyAt.set(b.index, b.column.key)
  return (row, line, index) => {
    const place: CellPlace = { row }
    const column = keyAt.get(index)
    if (column !== undefined) place.column = column
    if (!isJson) place.cell = `${columnLetter(index)}${line}`
    if (sheetName !== undefined) place.sheet = sheetName
    return place
  }
}

/**
 * The data rows after the header, in batches: those read during the header search, then the
 * rest. A CSV is read on in big batches (its reader starts again and skips what the search
 * took: ten rows of one chunk); other sheets row by row from the search's reader.
 */
export async function* dataRows(found: FoundHeader): AsyncGenerator<RawRow[]> {
  if (found.pending.length > 0) yield found.pending
  if (found.exhausted) return
  if (hasRowBatches(found.sheet)) {
    await found.rest.return?.()
    let skip = found.consumed
    for await (const batch of found.sheet.rowBatches()) {
      if (skip >= batch.length) {
        skip -= batch.length
        continue
      }
      yield skip > 0 ? batch.slice(skip) : batch
      skip = 0
    }
    return
  }
  for (;;) {
    const next = await found.rest.next()
    if (next.done) return
    yield [next.value]
  }
}
