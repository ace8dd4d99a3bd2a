import type { Message } from '../../../schemas/findings.ts'
import { DecodeStop, stop, type ProblemList } from './decode-problem.ts'
import {
  RelationshipsHandler,
  SharedStringsHandler,
  StylesHandler,
  WorkbookHandler,
  type Relationship,
} from './xlsx-parts.ts'
import { SheetRowParser, type SheetContext } from './xlsx-sheet-parser.ts'
import { XmlError, XmlScanner, type XmlHandler } from './xml-scanner.ts'
import { UnpackBudget, type ZipArchive, type ZipEntry } from './zip-reader.ts'
import type { DecodeLimits, RawRow, SheetSource } from './types.ts'

export const WORKBOOK_PATH = 'xl/workbook.xml'
const WORKBOOK_RELS_PATH = 'xl/_rels/workbook.xml.rels'
const RELATIONSHIP_TYPES = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
const STRICT_RELATIONSHIP_TYPES = 'http://purl.oclc.org/ooxml/officeDocument/relationships/'

const DOCTYPE = Uint8Array.from('<!DOCTYPE', (c) => c.charCodeAt(0))

/** Whether `needle` occurs in `bytes` (Uint8Array.indexOf finds each candidate start natively). */
function includesBytes(bytes: Uint8Array, needle: Uint8Array): boolean {
  const first = needle[0]!
  for (let at = bytes.indexOf(first); at !== -1 && at + needle.length <= bytes.length; at = bytes.indexOf(first, at + 1)) {
    let k = 1
    while (k < needle.length && bytes[at + k] === needle[k]) k++
    if (k === needle.length) return true
  }
  return false
}

function concatBytes(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length)
  out.set(a)
  out.set(b, a.length)
  return out
}

/** Finds `<!DOCTYPE` in a byte stream, also across chunk boundaries. */
class DoctypeFinder {
  #tail: Uint8Array = new Uint8Array(0)

  found(bytes: Uint8Array): boolean {
    if (includesBytes(bytes, DOCTYPE)) return true
    const keep = DOCTYPE.length - 1
    if (includesBytes(concatBytes(this.#tail, bytes.subarray(0, keep)), DOCTYPE)) return true
    this.#tail = bytes.length >= keep ? bytes.subarray(bytes.length - keep) : concatBytes(this.#tail, bytes).subarray(-keep)
    return false
  }
}

function isXmlPart(entry: ZipEntry): boolean {
  return entry.key.endsWith('.xml') || entry.key.endsWith('.rels')
}

function isType(relationship: Relationship, kind: string): boolean {
  return relationship.type === RELATIONSHIP_TYPES + kind || relationship.type === STRICT_RELATIONSHIP_TYPES + kind
}

function partProblem(entry: ZipEntry, detail: Message, sheet?: string): DecodeStop {
  return stop('malformed', { zh: `条目「${entry.name}」${detail.zh}`, en: `entry "${entry.name}": ${detail.en}` }, sheet)
}

/**
 * A fatal TextDecoder's refusal: Node gives it a code, browsers only the words ("The encoded
 * data was not valid for encoding utf-8"), which Node uses too.
 */
function isBadUtf8(error: unknown): boolean {
  if (!(error instanceof TypeError)) return false
  return (error as { code?: unknown }).code === 'ERR_ENCODING_INVALID_ENCODED_DATA' || /encoded data was not valid/i.test(error.message)
}

/** Turns what can go wrong while reading one part's XML into a `DecodeStop`; rethrows bugs. */
function asStop(error: unknown, entry: ZipEntry, sheet?: string): unknown {
  if (error instanceof XmlError) return partProblem(entry, { zh: `的 XML 有误：${error.zh}`, en: `bad XML: ${error.message}` }, sheet)
  if (isBadUtf8(error)) {
    return partProblem(entry, { zh: '不是有效的 UTF-8 文本', en: 'not valid UTF-8 text' }, sheet)
  }
  return error
}

/**
 * Inflates one entry in full, counting it against `budget`, checking its size and CRC, refusing
 * a `<!DOCTYPE` in any XML part, and feeding it to `handler` when given.
 */
async function readEntry(zip: ZipArchive, entry: ZipEntry, budget: UnpackBudget, handler?: XmlHandler): Promise<void> {
  const doctype = handler !== undefined || isXmlPart(entry) ? new DoctypeFinder() : undefined
  const scanner = handler === undefined ? undefined : new XmlScanner(handler)
  const decoder = new TextDecoder('utf-8', { fatal: true })
  try {
    for await (const chunk of zip.chunks(entry, budget)) {
      if (doctype?.found(chunk)) {
        throw partProblem(entry, { zh: '含有 <!DOCTYPE，不允许', en: 'contains a <!DOCTYPE, which is not allowed' })
      }
      scanner?.push(decoder.decode(chunk, { stream: true }))
    }
    if (scanner !== undefined) {
      scanner.push(decoder.decode())
      scanner.end()
    }
  } catch (error) {
    throw asStop(error, entry)
  }
}

/**
 * Opens an XLSX: every entry is inflated once, here, before any row is read, so `archive_limits`
 * (measured on the bytes produced) and corruption are known up front and no parser ever sees
 * more than the limit. The small parts are parsed on that pass; sheets are parsed later, lazily,
 * by inflating them again. Throws `DecodeStop` for every problem.
 */
export async function openXlsx(zip: ZipArchive, limits: DecodeLimits, problems: ProblemList): Promise<SheetSource[]> {
  const budget = new UnpackBudget(limits.maxUnpackedBytes)
  const workbookEntry = zip.get(WORKBOOK_PATH)
  const relsEntry = zip.get(WORKBOOK_RELS_PATH)
  if (workbookEntry === undefined) throw new Error('openXlsx needs a workbook part: check with isXlsx first')
  if (relsEntry === undefined) {
    throw stop('malformed', { zh: `缺少「${WORKBOOK_RELS_PATH}」`, en: `"${WORKBOOK_RELS_PATH}" is missing` })
  }
  const workbook = new WorkbookHandler()
  const rels = new RelationshipsHandler()
  await readEntry(zip, relsEntry, budget, rels)
  await readEntry(zip, workbookEntry, budget, workbook)

  const related = [...rels.byId.values()].filter((relationship) => !relationship.external)
  const sharedStringsEntry = zip.get(related.find((r) => isType(r, 'sharedStrings'))?.path ?? 'xl/sharedStrings.xml')
  const stylesEntry = zip.get(related.find((r) => isType(r, 'styles'))?.path ?? 'xl/styles.xml')
  const sharedStrings = new SharedStringsHandler()
  const styles = new StylesHandler()
  for (const entry of zip.entries) {
    if (entry === workbookEntry || entry === relsEntry) continue
    const handler = entry === sharedStringsEntry ? sharedStrings : entry === stylesEntry ? styles : undefined
    await readEntry(zip, entry, budget, handler)
  }

  const context: SheetContext = { sharedStrings: sharedStrings.strings, dateStyles: styles.dateStyles(), date1904: workbook.date1904 }
  const sheets: SheetSource[] = []
  for (const sheet of workbook.sheets) {
    if (sheet.hidden) continue
    const relationship = rels.byId.get(sheet.relationshipId)
    if (relationship === undefined || relationship.external) {
      throw stop('malformed', {
        zh: `工作表「${sheet.name}」找不到对应的部件（${sheet.relationshipId}）`,
        en: `sheet "${sheet.name}" has no part (${sheet.relationshipId})`,
      })
    }
    // Chart sheets, dialog and macro sheets hold no cells to read.
    if (!isType(relationship, 'worksheet')) continue
    const entry = zip.get(relationship.path)
    if (entry === undefined) {
      throw stop('malformed', {
        zh: `工作表「${sheet.name}」的部件「${relationship.path}」不存在`,
        en: `the part "${relationship.path}" of sheet "${sheet.name}" is missing`,
      })
    }
    sheets.push(worksheet(zip, entry, sheet.name, context, problems))
  }
  return sheets
}

/** Whether a ZIP is an XLSX: it has the workbook part. */
export function isXlsx(zip: ZipArchive): boolean {
  return zip.get(WORKBOOK_PATH) !== undefined
}

function worksheet(zip: ZipArchive, entry: ZipEntry, name: string, context: SheetContext, problems: ProblemList): SheetSource {
  return {
    name,
    async *rows(): AsyncGenerator<RawRow> {
      const parser = new SheetRowParser(context)
      const scanner = new XmlScanner(parser)
      const decoder = new TextDecoder('utf-8', { fatal: true })
      let stopped: unknown
      try {
        // Already counted against the budget when the file was opened.
        for await (const chunk of zip.chunks(entry)) {
          const text = decoder.decode(chunk, { stream: true })
          parser.allowGapCells(text.length)
          scanner.push(text)
          const batch = parser.rows.splice(0, parser.rows.length)
          for (const row of batch) yield row
        }
        scanner.push(decoder.decode())
        scanner.end()
      } catch (error) {
        stopped = asStop(error, entry, name)
        if (!(stopped instanceof DecodeStop)) throw stopped
      }
      for (const row of parser.rows.splice(0, parser.rows.length)) yield row
      if (stopped instanceof DecodeStop) problems.add(stopped.finding)
    },
  }
}
