import { CsvTokenizer } from './csv-tokenizer.ts'
import { DecodeStop, type ProblemList } from './decode-problem.ts'
import { BadTextBytes, decodeTextChunks, encodingProblem, type TextEncoding } from './text-encoding.ts'
import type { ByteSource, RawRow, SheetSource } from './types.ts'

/**
 * A sheet that can also hand its rows out a chunk's worth at a time: one async step per
 * ~2,000 rows instead of one per row, which is most of the cost of reading a big CSV row by row.
 */
export interface BatchedSheetSource extends SheetSource {
  /** The same rows as `rows()`, in order, in batches; ends with the same problem, if any. */
  rowBatches(): AsyncIterable<RawRow[]>
}

export function hasRowBatches(sheet: SheetSource): sheet is BatchedSheetSource {
  return typeof (sheet as Partial<BatchedSheetSource>).rowBatches === 'function'
}

/**
 * The one sheet of a CSV file. Each `rows()` or `rowBatches()` call reads the source again
 * from the start, so memory never holds more than a chunk and a record; bad quoting, limits
 * and (for GB18030) bad bytes end the iteration with a problem.
 */
export function csvSheet(source: ByteSource, encoding: TextEncoding, problems: ProblemList): BatchedSheetSource {
  async function* rowBatches(): AsyncGenerator<RawRow[]> {
    const tokenizer = new CsvTokenizer()
    let out: RawRow[] = []
    let stopped: DecodeStop | undefined
    try {
      for await (const text of decodeTextChunks(source, encoding)) {
        tokenizer.push(text, out)
        // Hand the batch over and start a new one: the consumer may keep it or stop at any row.
        if (out.length > 0) {
          const batch = out
          out = []
          yield batch
        }
      }
      tokenizer.finish(out)
    } catch (error) {
      // The text before bad bytes has been tokenized, so the tokenizer is on their line.
      if (error instanceof BadTextBytes) stopped = encodingProblem(tokenizer.line)
      else if (error instanceof DecodeStop) stopped = error
      else throw error
    }
    // Records completed before the problem are still handed out, in order.
    if (out.length > 0) yield out
    if (stopped) problems.add(stopped.finding)
  }
  return {
    rowBatches,
    async *rows(): AsyncGenerator<RawRow> {
      for await (const batch of rowBatches()) for (const row of batch) yield row
    },
  }
}
