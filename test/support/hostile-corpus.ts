/**
 * The hostile corpus (test/fixtures/hostile/): broken and malicious uploads, each with the exact
 * outcome it must get (manifest.json). Small files are committed; this module is how they are
 * made, so they can be rebuilt byte for byte:
 *
 *   npx tsx test/support/hostile-corpus.ts --write   # (re)writes every committed file
 *   npx tsx test/support/hostile-corpus.ts --check   # fails when a committed file differs
 *
 * Inputs that must be huge (a 1 GB single-line CSV, a real-size zip bomb, a million rows) are
 * never committed: `GENERATORS` makes them at test time, as streams where they are large.
 */
import { readFile, mkdir, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { MONITORED_HOUSEHOLDS, VILLAGE_REPORT, type DatasetSpec } from '../../schemas/datasets.ts'
import type { DatasetName, Finding, FindingCode, RuleId, ValidationReport } from '../../schemas/findings.ts'
import { bufferByteSource } from '../../functions/core/decode/byte-source.ts'
import { fileByteSource } from '../../functions/adapters/file-byte-source.ts'
import { decodeFile } from '../../functions/core/decode/decode-file.ts'
import type { ByteSource, DecodeLimits, DecodeResult } from '../../functions/core/decode/types.ts'
import { finding } from '../../functions/core/findings.ts'
import { parseUploadKey } from '../../functions/core/object-keys.ts'
import { validateFile, type CuratedRecord } from '../../functions/core/validate/validate-file.ts'
import { hmacSha256Hex } from '../../functions/adapters/node-id-hash.ts'
import { validationContext } from '../../functions/use-cases/check-upload.ts'
import { buildXlsx, xlsxEntries, type XlsxCell, type XlsxSheetSpec, type XlsxSpec } from './xlsx-builder.ts'
import { writeZip, zeroDeflate, type ZipEntrySpec } from './zip-writer.ts'
import { csvLine, gb18030, rosterCsv, rosterRow, utf8, villageCode, villageCsv, villageRow, type RowText } from './village-rows.ts'
import { nodeByteCodecs } from '../../functions/adapters/node-byte-codecs.ts'

export const HOSTILE_DIR = fileURLToPath(new URL('../fixtures/hostile/', import.meta.url))
export const MANIFEST_PATH = join(HOSTILE_DIR, 'manifest.json')

// ---------------------------------------------------------------------------------------------
// The manifest
// ---------------------------------------------------------------------------------------------

/** A finding as the manifest states it: code and, for row findings, where. */
export interface ExpectedFinding {
  code: FindingCode
  row?: number
  column?: string
  rule?: RuleId
}

export interface HostileCase {
  id: string
  /** What the case is, in one line. */
  what: string
  /** A committed file under test/fixtures/hostile/ … */
  file?: string
  /** … or the name of a generator in `GENERATORS`. */
  generator?: string
  /** The ingest key it is uploaded under (the place decides `wrong_place`). */
  key: string
  /** The report's dataset, county and period (null where the report has none). */
  dataset: DatasetName | null
  county: string | null
  period: string | null
  /** Decode limits and row limit other than the defaults (e.g. a raised maxBytes for the 1 GB CSV). */
  limits?: Partial<DecodeLimits> & { maxRows?: number }
  expect: {
    status: 'accepted' | 'rejected'
    /** The set of codes in the report, exactly. */
    codes: FindingCode[]
    /** When given: the report's findings, in order, exactly (code, row, column, rule). */
    findings?: ExpectedFinding[]
    /** When given: rows.total. */
    rowsTotal?: number
  }
  /**
   * Safety bounds (a hang or unbounded growth guard, not a speed test): CPU seconds and
   * resident-memory growth while the case runs, and the most bytes of the file it may read.
   */
  bounds?: { cpuSeconds?: number; rssMiB?: number; bytesRead?: number }
  /** Also uploaded through the local pipeline (S3 emulator → processUpload). */
  pipeline?: boolean
  /** Why the outcome is what it is, when it is not obvious (contract references). */
  note?: string
}

export interface HostileManifest {
  about: string
  /** The time every upload is received (well before the 2024Q2 deadline). */
  receivedAt: string
  cases: HostileCase[]
}

export async function loadManifest(): Promise<HostileManifest> {
  return JSON.parse(await readFile(MANIFEST_PATH, 'utf8')) as HostileManifest
}

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

const MIB = 1024 * 1024
const SHEET = 'xl/worksheets/sheet1.xml'
const SHARED = 'xl/sharedStrings.xml'
const bytes = (text: string) => Buffer.from(text, 'utf8')
const cat = (...parts: (Uint8Array | string)[]) => Buffer.concat(parts.map((p) => (typeof p === 'string' ? bytes(p) : p)))

/** A cell as Excel would store the row's text: numbers for number columns, text otherwise. */
function typedCell(spec: DatasetSpec, key: string, text: string | undefined): XlsxCell {
  if (text === undefined || text === '') return null
  const kind = spec.columns.find((c) => c.key === key)?.type.kind
  return kind === 'int' || kind === 'num' ? Number(text) : text
}

function sheetRows(spec: DatasetSpec, rows: readonly RowText[], cell?: (key: string, text: string, row: number) => XlsxCell | undefined): XlsxCell[][] {
  return [
    spec.columns.map((c) => c.zh),
    ...rows.map((row, i) => spec.columns.map((c) => {
      // `null` is a wanted gap (no cell written); only `undefined` means "as the row says".
      const custom = cell?.(c.key, row[c.key] ?? '', i)
      return custom === undefined ? typedCell(spec, c.key, row[c.key]) : custom
    })),
  ]
}

const villageSheet = (rows: readonly RowText[], cell?: Parameters<typeof sheetRows>[2]): XlsxSheetSpec => ({ name: '村报表', rows: sheetRows(VILLAGE_REPORT, rows, cell) })
const VALID_VILLAGE_SPEC: XlsxSpec = { sheets: [villageSheet([villageRow(), villageRow({ village_code: villageCode(204), village_name: '龙塘村' })])] }
const validXlsxEntries = () => xlsxEntries(VALID_VILLAGE_SPEC)

function withEntry(entries: ZipEntrySpec[], name: string, change: (entry: ZipEntrySpec) => ZipEntrySpec | undefined): ZipEntrySpec[] {
  const out: ZipEntrySpec[] = []
  for (const entry of entries) {
    if (entry.name !== name) out.push(entry)
    else {
      const changed = change(entry)
      if (changed) out.push(changed)
    }
  }
  return out
}

function editXml(entries: ZipEntrySpec[], name: string, edit: (xml: string) => string): ZipEntrySpec[] {
  return withEntry(entries, name, (entry) => ({ ...entry, data: edit(String(entry.data)) }))
}

/** Roster rows a county might send: two households, one eliminated. */
const ROSTER_ROWS: RowText[] = [
  rosterRow(),
  rosterRow({ household_id: 'H-0002', head_id_number: '11010519491231002X', category: '边缘易致贫户', risk_eliminated: '是', eliminated_on: '2024-03-20', assistance: '' }),
]

/** Excel serial of a calendar day (1900 system). */
export function excelSerial(iso: string): number {
  return Math.round(Date.parse(`${iso}T00:00:00Z`) / 86_400_000) + 25_569
}

function rosterSheet(date: (iso: string) => XlsxCell): XlsxSheetSpec {
  return {
    name: '监测户',
    rows: sheetRows(MONITORED_HOUSEHOLDS, ROSTER_ROWS, (key, text) => ((key === 'identified_on' || key === 'eliminated_on') && text !== '' ? date(text) : undefined)),
  }
}

/** Rewrites the central directory so `copies` extra entries all point at the last entry's data. */
function overlapLastEntry(archive: Uint8Array, copies: number, nameOf: (i: number) => string): Uint8Array {
  const zip = Buffer.from(archive)
  const end = zip.length - 22
  const count = zip.readUInt16LE(end + 10)
  const centralSize = zip.readUInt32LE(end + 12)
  const centralOffset = zip.readUInt32LE(end + 16)
  const central = zip.subarray(centralOffset, centralOffset + centralSize)
  // The last central header: walk the directory to find where it starts.
  let at = 0
  let last = 0
  for (let i = 0; i < count; i++) {
    last = at
    at += 46 + central.readUInt16LE(at + 28) + central.readUInt16LE(at + 30) + central.readUInt16LE(at + 32)
  }
  const template = central.subarray(last, at)
  const extra: Buffer[] = []
  for (let i = 0; i < copies; i++) {
    const name = Buffer.from(nameOf(i), 'utf8')
    const header = Buffer.from(template.subarray(0, 46))
    header.writeUInt16LE(name.length, 28)
    extra.push(header, name)
  }
  const newCentral = Buffer.concat([central, ...extra])
  const eocd = Buffer.from(zip.subarray(end))
  eocd.writeUInt16LE(count + copies, 8)
  eocd.writeUInt16LE(count + copies, 10)
  eocd.writeUInt32LE(newCentral.length, 12)
  return Buffer.concat([zip.subarray(0, centralOffset), newCentral, eocd])
}

const BILLION_LAUGHS = '<!DOCTYPE lolz [<!ENTITY lol "lol">' +
  Array.from({ length: 9 }, (_, i) => `<!ENTITY lol${i + 1} "${`&lol${i === 0 ? '' : i};`.repeat(10)}">`).join('') + ']>'

// ---------------------------------------------------------------------------------------------
// The committed files: path under test/fixtures/hostile/ → builder
// ---------------------------------------------------------------------------------------------

const VALID_VILLAGE_CSV = villageCsv([villageRow(), villageRow({ village_code: villageCode(204), village_name: '龙塘村' })])

export const FILES: Readonly<Record<string, () => Uint8Array>> = {
  // ---- CSV ----
  'csv/valid-village.csv': () => utf8(VALID_VILLAGE_CSV),
  'csv/gb18030-village.csv': () => gb18030(VALID_VILLAGE_CSV),
  'csv/nul-bytes.csv': () => cat(villageCsv([villageRow({ village_name: 'a\u0000b' })])),
  'csv/nul-after-8k.csv': () => {
    const rows: RowText[] = []
    for (let n = 1; utf8(villageCsv(rows)).length <= 8 * 1024 + 200; n++) rows.push(villageRow({ village_code: villageCode(n) }))
    rows.push(villageRow({ village_code: villageCode(999), population: '1\u00000' }))
    return utf8(villageCsv(rows))
  },
  'csv/utf16le-bom.csv': () => cat(Buffer.from([0xff, 0xfe]), Buffer.from(VALID_VILLAGE_CSV, 'utf16le')),
  'csv/utf16be-no-bom.csv': () => Buffer.from(Buffer.from(VALID_VILLAGE_CSV, 'utf16le')).swap16(),
  'csv/invalid-utf8-and-gb18030.csv': () => {
    const [head, tail] = VALID_VILLAGE_CSV.split('龙塘村') as [string, string]
    return cat(head, Buffer.from([0xff, 0xfe, 0xff]), tail)
  },
  'csv/mixed-utf8-gb18030.csv': () => {
    const [header, first] = villageCsv([villageRow()]).split('\r\n') as [string, string]
    const second = csvLine(Object.values(villageRow({ village_code: villageCode(204), village_name: '龙塘村' })))
    return cat(`${header}\r\n${first}\r\n`, gb18030(`${second}\r\n`))
  },
  'csv/bom-in-middle-header-cell.csv': () => utf8(villageCsv([villageRow()], { headers: { population: '\ufeff总人口' } })),
  'csv/bom-in-middle-value.csv': () => utf8(villageCsv([villageRow({ population: '1\ufeff000' })])),
  'csv/concatenated-exports-with-bom.csv': () => cat(utf8(villageCsv([villageRow()]), { bom: true }), utf8(villageCsv([villageRow()]), { bom: true })),
  'csv/unterminated-quote.csv': () => utf8(`${villageCsv([villageRow()])}2024Q2,"${villageCode(5)},坪坝村\r\n`),
  'csv/quote-then-garbage.csv': () => utf8(villageCsv([villageRow({ village_name: '"坪坝"村' })]).replace('"""坪坝""村"', '"坪坝"村')),
  'csv/fullwidth-digits.csv': () => utf8(villageCsv([villageRow({ period: '２０２４Ｑ２', village_code: '５２２２２６１０１２０３', households: '３００', population: '１，０００' })])),
  'csv/scientific-notation.csv': () => utf8(villageCsv([villageRow({ households: '3E2', population: '1.0e3', collective_operating_income: '5E+4', linkage_funds_spent: '6.0E1' })])),
  'csv/scientific-village-code.csv': () => utf8(villageCsv([villageRow({ village_code: '5.22226101203E+11' })])),
  'csv/roster-dates-as-text.csv': () => utf8(rosterCsv([
    rosterRow({ household_id: 'H-1', identified_on: '2023/5/10' }),
    rosterRow({ household_id: 'H-2', identified_on: '2023年5月10日' }),
    rosterRow({ household_id: 'H-3', identified_on: '2023.5.10' }),
    rosterRow({ household_id: 'H-4', identified_on: '2023-05-10 00:00:00' }),
    rosterRow({ household_id: 'H-5', identified_on: '２０２３－０５－１０' }),
  ])),
  'csv/roster-date-as-serial.csv': () => utf8(rosterCsv([rosterRow({ identified_on: String(excelSerial('2023-05-10')) })])),
  'csv/roster-impossible-date.csv': () => utf8(rosterCsv([rosterRow({ identified_on: '2023-02-30' })])),
  'csv/formula-injection.csv': () => utf8(villageCsv([villageRow({ village_name: '=HYPERLINK("http://example.invalid/?x","坪坝村")', population: '=1+1' })])),
  'csv/header-on-line-11.csv': () => utf8(villageCsv([villageRow()], { titleLines: Array.from({ length: 10 }, (_, i) => [`说明第 ${i + 1} 行`]) })),
  'csv/unknown-headers.csv': () => utf8('名称,数量,金额,备注\r\n坪坝村,1,2,3\r\n'),
  'csv/duplicate-column.csv': () => utf8(villageCsv([villageRow()], { extra: [['population', '1000']] })),
  'csv/traversal-header.csv': () => utf8(villageCsv([villageRow()], { headers: { population: '../总人口' } })),
  'csv/url-encoded-header.csv': () => utf8(villageCsv([villageRow()], { headers: { population: encodeURIComponent('总人口') } })),
  'csv/empty.csv': () => new Uint8Array(0),
  'csv/header-only.csv': () => utf8(villageCsv([])),
  'csv/lone-cr-line-ends.csv': () => utf8(villageCsv([villageRow(), villageRow({ village_code: villageCode(204) })], { eol: '\r' })),
  'csv/sixty-rows.csv': () => utf8(villageCsv(Array.from({ length: 60 }, (_, i) => villageRow({ village_code: villageCode(i + 1) })))),
  // 40 rows of 33 empty required cells (1,320 row findings), then a quote left open at the end.
  'csv/many-errors-then-open-quote.csv': () => utf8(`${villageCsv(Array.from({ length: 40 }, (_, i) => ({ period: '2024Q2', village_code: villageCode(i + 1), village_name: '坪坝村' })))}2024Q2,"${villageCode(99)}\r\n`),
  'csv/html-table-saved-as-xls.xls': () => utf8(`<html><head><meta charset="utf-8"></head><body><table>\r\n<tr><td>报告期</td><td>村代码</td><td>村名称</td><td>总人口</td></tr>\r\n<tr><td>2024Q2</td><td>${villageCode(1)}</td><td>坪坝村</td><td>1000</td></tr>\r\n</table></body></html>\r\n`),

  // ---- binaries in disguise ----
  'bin/png-named-csv.csv': () => cat(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]), 'IHDR'),
  'bin/pdf-named-xlsx.xlsx': () => utf8('%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n'),
  'bin/ole2-old-excel.xls': () => cat(Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]), Buffer.alloc(504)),
  'bin/jpeg-named-json.json': () => cat(Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10]), 'JFIF'),
  'bin/gzip-named-csv.csv': () => cat(Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0, 0, 0, 0, 0, 0x03]), Buffer.from([0x03, 0x00])),
  'bin/elf-named-csv.csv': () => cat(Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0x02, 0x01, 0x01, 0x00]), Buffer.alloc(56)),

  // ---- ZIP structure ----
  'xlsx/valid-village.xlsx': () => buildXlsx(VALID_VILLAGE_SPEC),
  'xlsx/truncated-half.xlsx': () => {
    const whole = buildXlsx(VALID_VILLAGE_SPEC)
    return whole.subarray(0, Math.floor(whole.length / 2))
  },
  'xlsx/truncated-tail.xlsx': () => {
    const whole = buildXlsx(VALID_VILLAGE_SPEC)
    return whole.subarray(0, whole.length - 10)
  },
  'xlsx/zeroed-sheet-data.xlsx': () => {
    const zip = Buffer.from(buildXlsx(VALID_VILLAGE_SPEC))
    // The sheet's deflate stream starts after its local header; wipe 64 bytes in its middle.
    const at = zip.indexOf(Buffer.from(SHEET)) + SHEET.length + 40
    zip.fill(0, at, at + 64)
    return zip
  },
  'xlsx/corrupt-deflate.xlsx': () => writeZip(withEntry(validXlsxEntries(), SHEET, (e) => ({ name: e.name, compressed: Uint8Array.from([0xff, 0xff, 0xff, 0xff, 0x00, 0x11, 0x22]), uncompressedSize: 5000, crc: 0 }))),
  'xlsx/bad-crc.xlsx': () => writeZip(withEntry(validXlsxEntries(), SHEET, (e) => ({ ...e, declare: { crc: 0x12345678 } }))),
  'xlsx/encrypted-entry.xlsx': () => writeZip(withEntry(validXlsxEntries(), SHEET, (e) => ({ ...e, declare: { flags: 1 } }))),
  'xlsx/bzip2-method.xlsx': () => writeZip(withEntry(validXlsxEntries(), SHEET, (e) => ({ ...e, declare: { method: 12 } }))),
  'xlsx/zip64-marker.xlsx': () => writeZip(withEntry(validXlsxEntries(), SHEET, (e) => ({ ...e, declare: { uncompressedSize: 0xffffffff } }))),
  'xlsx/duplicate-entry-names.xlsx': () => writeZip([...validXlsxEntries(), { name: 'XL/Worksheets/Sheet1.xml', data: '<worksheet/>' }]),
  'xlsx/entry-count-lie.xlsx': () => writeZip(validXlsxEntries(), { declaredEntryCount: 3 }),
  'xlsx/missing-workbook-rels.xlsx': () => writeZip(withEntry(validXlsxEntries(), 'xl/_rels/workbook.xml.rels', () => undefined)),
  'xlsx/missing-sheet-part.xlsx': () => writeZip(withEntry(validXlsxEntries(), SHEET, () => undefined)),
  'xlsx/rels-target-traversal.xlsx': () => writeZip(editXml(validXlsxEntries(), 'xl/_rels/workbook.xml.rels', (xml) => xml.replace('Target="worksheets/sheet1.xml"', 'Target="../../../../etc/passwd"'))),
  'xlsx/rels-external-target.xlsx': () => writeZip(editXml(validXlsxEntries(), 'xl/_rels/workbook.xml.rels', (xml) => xml.replace('Target="worksheets/sheet1.xml"', 'Target="file:///etc/passwd" TargetMode="External"'))),
  'xlsx/zip-slip-entry-name.xlsx': () => writeZip([...validXlsxEntries(), { name: '../../../../tmp/evil.sh', data: '#!/bin/sh\necho pwned\n' }]),
  'zip/not-an-xlsx.zip': () => writeZip([{ name: 'data.csv', data: VALID_VILLAGE_CSV }]),
  'zip/empty-archive.zip': () => writeZip([]),

  // ---- zip bombs ----
  'xlsx/bomb-lying-headers.xlsx': () => writeZip(withEntry(validXlsxEntries(), SHEET, (e) => ({ name: e.name, ...zeroDeflate(16), declare: { uncompressedSize: 2000 } }))),
  'xlsx/bomb-overlapping-entries.xlsx': () => {
    // Fifield's non-recursive bomb: 600 directory entries share one 2 MiB-of-zeros kernel.
    const kernel = { name: 'xl/media/image000.bin', ...zeroDeflate(2, { crc: true }) }
    return overlapLastEntry(writeZip([...validXlsxEntries(), kernel]), 600, (i) => `xl/media/image${String(i + 1).padStart(3, '0')}.bin`)
  },
  'xlsx/bomb-declared-entry-count.xlsx': () => writeZip(validXlsxEntries(), { declaredEntryCount: 10_001 }),

  // ---- XML entities and declarations ----
  'xlsx/xxe-billion-laughs-sheet.xlsx': () => writeZip(editXml(validXlsxEntries(), SHEET, (xml) => xml.replace('<worksheet', `${BILLION_LAUGHS}<worksheet`).replace('<t>坪坝村</t>', '<t>&lol9;</t>'))),
  'xlsx/xxe-external-entity-shared-strings.xlsx': () => writeZip(editXml(validXlsxEntries(), SHARED, (xml) => xml.replace('<sst', '<!DOCTYPE sst [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><sst').replace('<t>坪坝村</t>', '<t>&xxe;</t>'))),
  'xlsx/xxe-parameter-entity-workbook.xlsx': () => writeZip(editXml(validXlsxEntries(), 'xl/workbook.xml', (xml) => xml.replace('<workbook', '<!DOCTYPE workbook [<!ENTITY % remote SYSTEM "http://127.0.0.1:9/evil.dtd">%remote;]><workbook'))),
  'xlsx/doctype-in-unreferenced-part.xlsx': () => writeZip([...validXlsxEntries(), { name: 'docProps/custom.xml', data: `<?xml version="1.0"?>${BILLION_LAUGHS}<Properties>&lol9;</Properties>` }]),
  'xlsx/doctype-at-inflate-chunk-seam.xlsx': () => writeZip(editXml(validXlsxEntries(), SHEET, (xml) => `${' '.repeat(256 * 1024 - 4)}${xml.replace('<worksheet', `${BILLION_LAUGHS}<worksheet`)}`)),
  'xlsx/lowercase-doctype-in-sheet.xlsx': () => writeZip(editXml(validXlsxEntries(), SHEET, (xml) => xml.replace('<worksheet', '<!doctype worksheet [<!entity x "y">]><worksheet'))),
  'xlsx/utf16-sheet-with-doctype.xlsx': () => writeZip(withEntry(validXlsxEntries(), SHEET, (e) => ({
    name: e.name,
    data: cat(Buffer.from([0xff, 0xfe]), Buffer.from(String(e.data).replace('encoding="UTF-8"', 'encoding="UTF-16"').replace('<worksheet', `${BILLION_LAUGHS}<worksheet`), 'utf16le')),
  }))),
  'xlsx/undefined-entity-shared-strings.xlsx': () => writeZip(editXml(validXlsxEntries(), SHARED, (xml) => xml.replace('<t>坪坝村</t>', '<t>&xxe;</t>'))),
  'xlsx/huge-text-run.xlsx': () => writeZip(editXml(validXlsxEntries(), SHARED, (xml) => xml.replace('<t>坪坝村</t>', `<t>${'a'.repeat(40 * MIB)}</t>`))),
  'xlsx/shared-string-out-of-range.xlsx': () => writeZip(editXml(validXlsxEntries(), SHEET, (xml) => xml.replace(/(<c r="C2" t="s"><v>)\d+(<\/v>)/, '$199999$2'))),
  'xlsx/row-number-past-grid.xlsx': () => writeZip(editXml(validXlsxEntries(), SHEET, (xml) => xml.replace('<row r="3">', '<row r="1048577">').replace(/r="([A-Z]+)3"/g, 'r="$11048577"'))),

  // ---- cells as spreadsheets hold them ----
  'xlsx/formula-cells.xlsx': () => buildXlsx({ sheets: [villageSheet([villageRow()], (key) => {
    if (key === 'population') return { formula: 'SUM(H3:H9)', value: 1000 }
    if (key === 'village_name') return { formula: '"坪坝"&"村"', value: '坪坝村' }
    if (key === 'key_assisted') return { formula: 'TRUE()', value: true }
    return undefined
  })] }),
  'xlsx/formula-without-cached-value.xlsx': () => writeZip(editXml(xlsxEntries({ sheets: [villageSheet([villageRow()], (key) => (key === 'population' ? { formula: 'SUM(H3:H9)', value: 1000 } : undefined))] }), SHEET, (xml) => xml.replace('<v>1000</v>', ''))),
  'xlsx/formula-error-value.xlsx': () => buildXlsx({ sheets: [villageSheet([villageRow()], (key) => (key === 'population' ? { error: '#DIV/0!' } : undefined))] }),
  'xlsx/merged-title-row.xlsx': () => {
    const sheet = villageSheet([villageRow()])
    sheet.rows.unshift(['铜仁市印江县 2024 年第 2 季度村级监测报表'])
    return writeZip(editXml(xlsxEntries({ sheets: [sheet] }), SHEET, (xml) => xml.replace('</sheetData>', '</sheetData><mergeCells count="1"><mergeCell ref="A1:AJ1"/></mergeCells>')))
  },
  'xlsx/merged-data-cells.xlsx': () => {
    // Two villages of one township, the township cell merged down: Excel keeps its value in D2 only.
    const sheet = villageSheet([villageRow(), villageRow({ village_code: villageCode(204) })], (key, _text, row) => (key === 'township_name' && row === 1 ? null : undefined))
    return writeZip(editXml(xlsxEntries({ sheets: [sheet] }), SHEET, (xml) => xml.replace('</sheetData>', '</sheetData><mergeCells count="1"><mergeCell ref="D2:D3"/></mergeCells>')))
  },
  'xlsx/hidden-sheets-first.xlsx': () => buildXlsx({ sheets: [
    { ...villageSheet([villageRow({ population: '一千' })]), name: '旧表', hidden: true },
    { ...villageSheet([villageRow({ village_code: '123' })]), name: '草稿', hidden: 'veryHidden' },
    villageSheet([villageRow()]),
  ] }),
  'xlsx/only-hidden-sheets.xlsx': () => buildXlsx({ sheets: [{ ...villageSheet([villageRow()]), hidden: true }, { ...villageSheet([villageRow()]), name: '备份', hidden: 'veryHidden' }] }),
  'xlsx/roster-dates-as-serials.xlsx': () => buildXlsx({ sheets: [rosterSheet((iso) => ({ date: excelSerial(iso) }))] }),
  'xlsx/roster-dates-as-text.xlsx': () => buildXlsx({ sheets: [rosterSheet((iso) => iso.replace(/-0?/g, '/'))] }),
  'xlsx/roster-dates-1904-system.xlsx': () => buildXlsx({ date1904: true, sheets: [rosterSheet((iso) => ({ date: excelSerial(iso) - 1462 }))] }),
  'xlsx/roster-dates-unstyled-serials.xlsx': () => buildXlsx({ sheets: [rosterSheet((iso) => excelSerial(iso))] }),
  'xlsx/roster-dates-chinese-format.xlsx': () => buildXlsx({ dateFormat: 'yyyy"年"m"月"d"日"', sheets: [rosterSheet((iso) => ({ date: excelSerial(iso) }))] }),
  'xlsx/fullwidth-digits.xlsx': () => buildXlsx({ sheets: [villageSheet([villageRow()], (key) => (key === 'population' ? '１０００' : key === 'village_code' ? '５２２２２６１０１２０３' : undefined))] }),
  'xlsx/scientific-notation.xlsx': () => writeZip(editXml(xlsxEntries({ sheets: [villageSheet([villageRow()], (key) => (key === 'households' ? '3E2' : undefined))] }), SHEET, (xml) => xml.replace('<c r="H2"><v>1000</v>', '<c r="H2"><v>1.0E3</v>'))),
  'xlsx/village-code-as-number.xlsx': () => buildXlsx({ sheets: [villageSheet([villageRow()], (key, text) => (key === 'village_code' ? Number(text) : undefined))] }),
  'xlsx/village-code-scientific-text.xlsx': () => buildXlsx({ sheets: [villageSheet([villageRow()], (key) => (key === 'village_code' ? '5.22226E+11' : undefined))] }),
  'xlsx/bom-in-middle-header.xlsx': () => buildXlsx({ sheets: [{ name: '村报表', rows: sheetRows(VILLAGE_REPORT, [villageRow()]).map((row, i) => (i === 0 ? row.map((h) => (h === '总人口' ? '\ufeff总人口' : h)) : row)) }] }),

  // ---- JSON ----
  'json/valid-village.json': () => utf8(JSON.stringify([villageRow(), villageRow({ village_code: villageCode(204), village_name: '龙塘村' })])),
  'json/nested-10000-in-row.json': () => utf8(`[{"村代码":"${villageCode(1)}","备注":${'['.repeat(10_000)}${']'.repeat(10_000)}}]`),
  'json/nested-10000-top.json': () => utf8(`${'['.repeat(10_000)}${']'.repeat(10_000)}`),
  'json/nested-10000-sibling-of-rows.json': () => utf8(`{"rows":${JSON.stringify([villageRow()])},"meta":${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}}`),
  'json/truncated.json': () => utf8(JSON.stringify([villageRow(), villageRow({ village_code: villageCode(204) })]).slice(0, 500)),
  'json/object-without-rows.json': () => utf8(JSON.stringify({ data: [villageRow()] })),
  'json/proto-pollution-keys.json': () => utf8(`[${JSON.stringify(villageRow()).slice(0, -1)},"__proto__":{"polluted":"yes"},"constructor":{"prototype":{"polluted":"yes"}}}]`),
  'json/url-encoded-and-traversal-keys.json': () => {
    const { population, households, ...rest } = villageRow()
    return utf8(JSON.stringify([{ ...rest, [encodeURIComponent('总人口')]: population, '../总户数': households }]))
  },
  // The same key twice in one object: JSON.parse keeps the last, so -5 is what gets checked.
  'json/duplicate-literal-key.json': () => utf8(`[${JSON.stringify(villageRow()).slice(0, -1)},"population":"-5"}]`),
  'json/two-spellings-same-column.json': () => utf8(JSON.stringify([{ ...villageRow(), 总人口: '1000' }])),
  'json/number-overflow.json': () => utf8(JSON.stringify([villageRow()]).replace('"population":"1000"', '"population":1e400')),
  'json/empty-array.json': () => utf8('[]'),
}

// ---------------------------------------------------------------------------------------------
// Generated inputs: too large to commit
// ---------------------------------------------------------------------------------------------

export interface Generated {
  /** The bytes as a stream-backed source; huge ones are synthesised, never held. */
  source(): ByteSource
  /** The bytes in memory, for uploads through the emulator (only the few that fit). */
  bytes?(): Uint8Array
}

/**
 * A source of `size` bytes: `head`, then `unit` repeated. Reads are synthesised on demand, so a
 * gigabyte costs no memory.
 */
export function repeatedSource(size: number, head: Uint8Array, unit: Uint8Array): ByteSource {
  const BLOCK = 256 * 1024
  // A block of whole units, long enough that any read of BLOCK bytes is a subarray of it.
  const block = Buffer.alloc(Math.ceil((BLOCK + unit.length) / unit.length) * unit.length)
  for (let i = 0; i < block.length; i += unit.length) block.set(unit, i)
  const read = async (position: number, length: number): Promise<Uint8Array> => {
    const start = Math.max(0, Math.min(position, size))
    const end = Math.max(start, Math.min(position + length, size))
    const out = Buffer.allocUnsafe(end - start)
    let at = start
    while (at < end) {
      if (at < head.length) {
        const n = Math.min(end, head.length) - at
        out.set(head.subarray(at, at + n), at - start)
        at += n
        continue
      }
      const offset = (at - head.length) % unit.length
      const n = Math.min(end - at, block.length - offset)
      out.set(block.subarray(offset, offset + n), at - start)
      at += n
    }
    return out
  }
  return {
    size,
    read,
    async *stream() {
      for (let at = 0; at < size; at += BLOCK) yield await read(at, BLOCK)
    },
  }
}

function inMemory(make: () => Uint8Array): Generated {
  let cached: Uint8Array | undefined
  const get = () => (cached ??= make())
  return { source: () => bufferByteSource(get()), bytes: get }
}

const GB = 1_000_000_000

export const GENERATORS: Readonly<Record<string, Generated>> = {
  /** 1 GB, one line, no line break: a header cell then a billion `a`. */
  'csv-1gb-single-line': { source: () => repeatedSource(GB, bytes('村代码,'), bytes('a')) },
  /** 1 GB opening a quote that never closes. */
  'csv-1gb-open-quote': { source: () => repeatedSource(GB, bytes('报告期,"'), bytes('a')) },
  /** 1 GB of commas: one record of a billion empty fields. */
  'csv-1gb-commas': { source: () => repeatedSource(GB, bytes('报告期'), bytes(',')) },
  /** 40 MB: ten lines of two million one-letter cells (every header search row at the record limit). */
  'csv-wide-rows': { source: () => repeatedSource(10 * 4_000_000, new Uint8Array(0), bytes(`${'x,'.repeat(1_999_999)}x\n`)) },
  /** An XLSX whose sheet inflates to 1,100 MiB of zeros, headers honest: stopped at the 1 GiB limit. */
  'xlsx-real-bomb-honest': inMemory(() => writeZip(withEntry(validXlsxEntries(), SHEET, (e) => ({ name: e.name, ...zeroDeflate(1100) })))),
  /** 2 GiB of zeros in a media entry that declares 1,000 bytes. */
  'xlsx-real-bomb-lying': inMemory(() => writeZip([...validXlsxEntries(), { name: 'xl/media/image1.png', ...zeroDeflate(2048), declare: { uncompressedSize: 1000 } }])),
  /** 10,001 real entries (the limit is 10,000). */
  'xlsx-10001-entries': inMemory(() => writeZip([...validXlsxEntries(), ...Array.from({ length: 10_001 - 7 }, (_, i) => ({ name: `xl/media/m${i}.bin`, data: '' }))])),
  /** A header, then 200,000 rows each holding one cell in the last column (XFD): 16,384 cells a row. */
  'xlsx-far-right-cells': inMemory(() => writeZip(editXml(xlsxEntries({ sheets: [villageSheet([])] }), SHEET, (xml) => {
    const rows: string[] = []
    for (let r = 2; r <= 200_001; r++) rows.push(`<row r="${r}"><c r="XFD${r}"><v>1</v></c></row>`)
    return xml.replace('</sheetData>', `${rows.join('')}</sheetData>`)
  }))),
  /** A header and 1,048,575 empty rows. */
  'xlsx-million-blank-rows': inMemory(() => writeZip(editXml(xlsxEntries({ sheets: [villageSheet([])] }), SHEET, (xml) => {
    const rows: string[] = []
    for (let r = 2; r <= 1_048_576; r++) rows.push(`<row r="${r}"/>`)
    return xml.replace('</sheetData>', `${rows.join('')}</sheetData>`)
  }))),
  /** One row object with 20,000 keys: wider than any sheet. */
  'json-20000-keys': inMemory(() => bytes(JSON.stringify([Object.fromEntries([['报告期', '2024Q2'], ['村代码', '522226101203'], ['总人口', 1], ...Array.from({ length: 20_000 }, (_, i) => [`k${i}`, i])])]))),
  /** JSON nested a million levels deep. */
  'json-nested-1m': inMemory(() => bytes(`[{"a":${'['.repeat(1_000_000)}${']'.repeat(1_000_000)}}]`)),
  /**
   * 3 MB of JSON: a header-like first row, 16,000 rows each with its own key, then a million
   * empty objects. Read as a table it is a million rows of 16,003 cells.
   */
  'json-sparse-keys': inMemory(() => {
    const parts = ['[{"报告期":"2024Q2","村代码":"522226101203","总人口":1}']
    for (let i = 0; i < 16_000; i++) parts.push(`,{"k${i}":1}`)
    parts.push(',{}'.repeat(1_000_000), ']')
    return bytes(parts.join(''))
  }),
}

// ---------------------------------------------------------------------------------------------
// One case, as processUpload reads it
// ---------------------------------------------------------------------------------------------

const DEFAULT_UPLOAD_LIMITS = { maxBytes: 200_000_000, maxRows: 2_000_000, deadlineDays: 10 }

export interface CaseResult {
  report: ValidationReport
  /** Rows handed to the staging sink (they reach the lake only when the report is accepted). */
  records: number
  /** Whether Object.prototype gained a `polluted` property meanwhile (JSON key tricks). */
  polluted: boolean
  /** Bytes of the file the decoder read (random reads and streams, every pass counted). */
  bytesRead: number
}

/** The source, counting every byte handed to the decoder. */
function counted(source: ByteSource): { source: ByteSource; bytesRead: () => number } {
  let total = 0
  const counting: ByteSource = {
    size: source.size,
    async read(position, length) {
      const chunk = await source.read(position, length)
      total += chunk.length
      return chunk
    },
    async *stream() {
      for await (const chunk of source.stream()) {
        total += chunk.length
        yield chunk
      }
    },
  }
  if (source.close) counting.close = () => source.close!()
  return { source: counting, bytesRead: () => total }
}

/**
 * What processUpload does between the download and the staging: the place from the key
 * (`wrong_place` stops before reading), decodeFile with the upload limits, validateFile with
 * the context checkUpload makes. No I/O but reading the case's bytes.
 */
export async function validateCase(c: HostileCase, receivedAt: Date): Promise<CaseResult> {
  const place = parseUploadKey(c.key)
  const preFindings: Finding[] = place.kind === 'wrong' ? [finding({ code: 'wrong_place', detail: place.reason })] : []
  const { maxRows, ...decodeLimits } = c.limits ?? {}
  const limits = { ...DEFAULT_UPLOAD_LIMITS, ...decodeLimits, ...(maxRows === undefined ? {} : { maxRows }) }
  const fileName = place.kind === 'wrong' ? (c.key.split('/').pop() ?? 'file') : place.fileName
  const { source, bytesRead } = counted(c.file !== undefined ? await fileByteSource(join(HOSTILE_DIR, c.file)) : generated(c.generator).source())
  try {
    const decoded: DecodeResult = preFindings.length > 0
      ? { ok: false, problems: [] }
      : await decodeFile(source, { codecs: nodeByteCodecs, fileName, limits: { ...decodeLimits, maxBytes: limits.maxBytes } })
    const ctx = validationContext({ place, receivedAt, submissionId: `hostile-${c.id}`, hashId: hmacSha256Hex(Buffer.alloc(32, 7)) }, limits, undefined, preFindings)
    let records = 0
    const { report } = await validateFile(decoded, ctx, { write: (_record: CuratedRecord) => void records++ })
    return { report, records, polluted: ({} as Record<string, unknown>)['polluted'] !== undefined, bytesRead: bytesRead() }
  } finally {
    await source.close?.()
  }
}

export function generated(name: string | undefined): Generated {
  const found = name === undefined ? undefined : GENERATORS[name]
  if (!found) throw new Error(`the manifest names an unknown generator ${String(name)}`)
  return found
}

// ---------------------------------------------------------------------------------------------
// The script
// ---------------------------------------------------------------------------------------------

async function main(argv: readonly string[]): Promise<number> {
  const write = argv.includes('--write')
  const check = argv.includes('--check')
  if (!write && !check) {
    console.error('usage: npx tsx test/support/hostile-corpus.ts --write | --check')
    return 2
  }
  let differs = 0
  let total = 0
  for (const [name, build] of Object.entries(FILES)) {
    const path = join(HOSTILE_DIR, name)
    const content = build()
    total += content.length
    if (write) {
      await mkdir(dirname(path), { recursive: true })
      await writeFile(path, content)
    } else {
      const existing = await readFile(path).catch(() => undefined)
      if (!existing || !Buffer.from(content).equals(existing)) {
        console.error(`differs: ${name}`)
        differs++
      }
    }
  }
  console.log(`${Object.keys(FILES).length} files, ${(total / 1e6).toFixed(2)} MB${write ? ' written' : ''}${check ? `, ${differs} differ` : ''}`)
  return differs === 0 ? 0 : 1
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  process.exitCode = await main(process.argv.slice(2))
}
