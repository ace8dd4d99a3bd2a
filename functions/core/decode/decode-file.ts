import type { Finding, Message } from '../../../schemas/findings.ts'
import type { ByteCodecs } from './byte-codecs.ts'
import { csvSheet } from './decode-csv.ts'
import { decodeJson } from './decode-json.ts'
import { DecodeStop, fileProblem, ProblemList } from './decode-problem.ts'
import { isXlsx, openXlsx } from './decode-xlsx.ts'
import { SNIFF_BYTES, sniffFormat } from './sniff-format.ts'
import { decodeWholeText, detectTextEncoding } from './text-encoding.ts'
import { DEFAULT_DECODE_LIMITS, type ByteSource, type DecodedFile, type DecodeLimits, type DecodeResult, type FileFormat, type SheetSource } from './types.ts'
import { ZipArchive } from './zip-reader.ts'

export interface DecodeOptions {
  /** The runtime's inflate, CRC-32 and UTF-8 check (adapters/node-byte-codecs.ts on Node). */
  codecs: ByteCodecs
  /** Only used to word messages: the format is always decided by the content. */
  fileName?: string
  limits?: Partial<DecodeLimits>
}

function failed(problem: Finding): DecodeResult {
  return { ok: false, problems: [problem] }
}

function size(bytes: number): Message {
  if (bytes < 1_000_000) return { zh: `${bytes} 字节`, en: `${bytes} bytes` }
  const mb = (bytes / 1_000_000).toFixed(1)
  return { zh: `${mb} MB`, en: `${mb} MB` }
}

function withFileName(detail: Message, fileName: string | undefined): Message {
  if (fileName === undefined) return detail
  return { zh: `${detail.zh}（文件「${fileName}」）`, en: `${detail.en} (file "${fileName}")` }
}

/**
 * Opens an upload as CSV, XLSX or JSON, decided by its content (contract/validation.md,
 * "Reading a file"). File-level problems found before the first row come back as
 * `{ ok: false, problems }`; problems met while rows are read are pushed to
 * `file.problems` and end that iteration. Never throws for bad input.
 *
 * The source is handed over: it is closed here when the result is not ok (or on an
 * unexpected error), and by `file.close()` otherwise.
 */
export async function decodeFile(source: ByteSource, options: DecodeOptions): Promise<DecodeResult> {
  const limits: DecodeLimits = { ...DEFAULT_DECODE_LIMITS, ...options.limits }
  let handedOver = false
  try {
    const result = await decode(source, limits, options.codecs, options.fileName)
    handedOver = result.ok
    return result
  } catch (error) {
    if (error instanceof DecodeStop) return failed(error.finding)
    throw error
  } finally {
    if (!handedOver) await source.close?.()
  }
}

async function decode(source: ByteSource, limits: DecodeLimits, codecs: ByteCodecs, fileName: string | undefined): Promise<DecodeResult> {
  if (source.size > limits.maxBytes) {
    return failed(fileProblem('file_too_large', {
      zh: `文件大小 ${size(source.size).zh}，上限为 ${size(limits.maxBytes).zh}`,
      en: `the file is ${size(source.size).en}; the limit is ${size(limits.maxBytes).en}`,
    }))
  }
  if (source.size === 0) return failed(fileProblem('empty_file', { zh: '文件为空（0 字节）', en: 'the file is empty (0 bytes)' }))

  const head = await source.read(0, Math.min(SNIFF_BYTES, source.size))
  const sniffed = sniffFormat(head)
  const problems = new ProblemList()
  switch (sniffed.kind) {
    case 'unsupported':
      return failed(fileProblem('unsupported_format', withFileName(sniffed.detail, fileName)))
    case 'zip': {
      const zip = await ZipArchive.open(source, limits.maxEntries, codecs)
      if (!isXlsx(zip)) {
        return failed(fileProblem('unsupported_format', withFileName({
          zh: '这是 ZIP 压缩包而不是 XLSX 工作簿',
          en: 'this is a ZIP that is not an XLSX workbook',
        }, fileName)))
      }
      const sheets = await openXlsx(zip, limits, problems)
      return opened(source, 'xlsx', undefined, sheets, problems)
    }
    case 'json': {
      const encoding = await detectTextEncoding(source, codecs)
      const parsed = decodeJson(await decodeWholeText(source, encoding))
      if (!parsed.ok) return failed(parsed.problem)
      return opened(source, 'json', encoding, [parsed.sheet], problems)
    }
    case 'csv': {
      const encoding = await detectTextEncoding(source, codecs)
      return opened(source, 'csv', encoding, [csvSheet(source, encoding, problems)], problems)
    }
  }
}

function opened(
  source: ByteSource,
  format: FileFormat,
  encoding: string | undefined,
  sheets: SheetSource[],
  problems: ProblemList,
): DecodeResult {
  let closed = false
  const file: DecodedFile = {
    format,
    sheets,
    problems: problems.items,
    async close() {
      if (closed) return
      closed = true
      await source.close?.()
    },
  }
  if (encoding !== undefined) file.encoding = encoding
  return { ok: true, file }
}
