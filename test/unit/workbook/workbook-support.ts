/**
 * What the workbook tests share: the validation context of the contract's worked example
 * (county 511921, 2023Q2, received on time), running bytes through the project's own decoder
 * and validator, and reading workbooks back with exceljs.
 */
import ExcelJS from 'exceljs'
import type { CellValue, Comment, DataValidation, Worksheet } from 'exceljs'
import type { DatasetName } from '../../../schemas/findings.ts'
import { bufferByteSource } from '../../../functions/core/decode/byte-source.ts'
import { decodeFile } from '../../../functions/core/decode/decode-file.ts'
import { parseUploadKey } from '../../../functions/core/object-keys.ts'
import { validateFile, type CuratedRecord, type ValidationContext, type ValidationOutcome } from '../../../functions/core/validate/validate-file.ts'
import { DEFAULT_UPLOAD_LIMITS } from '../../../schemas/settings.ts'
import { hmacSha256Hex } from '../../../functions/adapters/node-id-hash.ts'
import { validationContext } from '../../../functions/use-cases/check-upload.ts'
import { nodeByteCodecs } from '../../../functions/adapters/node-byte-codecs.ts'

export const ON_TIME = new Date('2023-07-05T10:00:00+08:00')
/** After the 2023Q2 deadline (2023-07-11T00:00+08:00): late_submission, a finding with no cell. */
export const LATE = new Date('2023-07-12T09:00:00+08:00')

export function exampleContext(dataset: DatasetName, receivedAt = ON_TIME): ValidationContext {
  const key = dataset === 'org_units' ? 'registry/org_units/t.xlsx' : dataset === 'targets' ? 'registry/targets/t.xlsx' : 'uploads/511921/2023Q2/t.xlsx'
  return validationContext({ place: parseUploadKey(key), receivedAt, submissionId: 't', hashId: hmacSha256Hex(new Uint8Array(32)) }, DEFAULT_UPLOAD_LIMITS)
}

export async function validateXlsx(bytes: Uint8Array, ctx: ValidationContext): Promise<ValidationOutcome & { records: CuratedRecord[] }> {
  const records: CuratedRecord[] = []
  const outcome = await validateFile(await decodeFile(bufferByteSource(bytes), { codecs: nodeByteCodecs, fileName: 't.xlsx' }), ctx, { write: (r) => void records.push(r) })
  return { ...outcome, records }
}

export async function loadWorkbook(bytes: Uint8Array): Promise<ExcelJS.Workbook> {
  const wb = new ExcelJS.Workbook()
  await wb.xlsx.load(Buffer.from(bytes) as unknown as ExcelJS.Buffer)
  return wb
}

export async function workbookBytes(wb: ExcelJS.Workbook): Promise<Uint8Array> {
  return new Uint8Array(await wb.xlsx.writeBuffer())
}

/** exceljs keeps data validations in a model its typings leave out. */
export function validationAt(ws: Worksheet, address: string): DataValidation | undefined {
  return (ws as unknown as { dataValidations: { find(a: string): DataValidation | undefined } }).dataValidations.find(address)
}

export function addValidation(ws: Worksheet, range: string, validation: DataValidation): void {
  ;(ws as unknown as { dataValidations: { add(a: string, v: DataValidation): void } }).dataValidations.add(range, validation)
}

export function noteText(note: string | Comment | undefined): string {
  if (note === undefined) return ''
  return typeof note === 'string' ? note : (note.texts ?? []).map((t) => t.text).join('')
}

/**
 * The text a person sees in a cell, whatever exceljs holds there: rich text, a hyperlink, a
 * formula's result or an error, not `[object Object]` (which would hide what a test looks for).
 */
export function cellText(value: CellValue): string {
  if (value === null || value === undefined) return ''
  if (value instanceof Date) return value.toISOString()
  if (typeof value !== 'object') return String(value)
  if ('richText' in value) return value.richText.map((r) => r.text).join('')
  if ('hyperlink' in value) return value.text
  if ('error' in value) return value.error
  return cellText(value.result)
}

/** Solid fill colour of a cell, or undefined when it has none. */
export function fillOf(ws: Worksheet, address: string): string | undefined {
  const fill = ws.getCell(address).fill
  return fill?.type === 'pattern' && fill.pattern === 'solid' ? fill.fgColor?.argb : undefined
}
