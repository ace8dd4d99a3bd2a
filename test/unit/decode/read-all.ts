/**
 * Decodes bytes and reads every sheet to the end, in a shape tests can compare exactly
 * (`dateCells` as a sorted array).
 */
import type { Finding } from '../../../schemas/findings.ts'
import { bufferByteSource } from '../../../functions/core/decode/byte-source.ts'
import { decodeFile, type DecodeOptions } from '../../../functions/core/decode/decode-file.ts'
import type { ByteSource, CellValue, FileFormat, SheetSource } from '../../../functions/core/decode/types.ts'
import { nodeByteCodecs } from '../../../functions/adapters/node-byte-codecs.ts'

export interface PlainRow {
  line: number
  cells: CellValue[]
  dateCells?: number[]
}

export type ReadResult =
  | { ok: false; problems: Finding[] }
  | { ok: true; format: FileFormat; encoding: string | undefined; sheets: { name: string | undefined; rows: PlainRow[] }[]; problems: Finding[] }

export async function readSheet(sheet: SheetSource): Promise<PlainRow[]> {
  const rows: PlainRow[] = []
  for await (const row of sheet.rows()) {
    const plain: PlainRow = { line: row.line, cells: row.cells }
    if (row.dateCells !== undefined) plain.dateCells = [...row.dateCells].sort((a, b) => a - b)
    rows.push(plain)
  }
  return rows
}

export async function readSource(source: ByteSource, options?: Partial<DecodeOptions>): Promise<ReadResult> {
  const result = await decodeFile(source, { codecs: nodeByteCodecs, ...options })
  if (!result.ok) return result
  const { file } = result
  try {
    const sheets = []
    for (const sheet of file.sheets) sheets.push({ name: sheet.name, rows: await readSheet(sheet) })
    return { ok: true, format: file.format, encoding: file.encoding, sheets, problems: file.problems }
  } finally {
    await file.close()
  }
}

export function readAll(bytes: Uint8Array | string, options?: Partial<DecodeOptions>): Promise<ReadResult> {
  return readSource(bufferByteSource(typeof bytes === 'string' ? Buffer.from(bytes, 'utf8') : bytes), options)
}

/** The codes of the problems, wherever they were found (before or while reading). */
export function codes(result: ReadResult): string[] {
  return result.problems.map((problem) => problem.code)
}

/** The rows of the only sheet; fails the test when the file did not open. */
export function onlyRows(result: ReadResult): PlainRow[] {
  if (!result.ok) throw new Error(`expected the file to open, got ${JSON.stringify(result.problems)}`)
  if (result.sheets.length !== 1) throw new Error(`expected one sheet, got ${result.sheets.length}`)
  return result.sheets[0]?.rows ?? []
}
