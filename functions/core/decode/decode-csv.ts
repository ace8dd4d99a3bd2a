import { CsvTokenizer } from './csv-tokenizer.ts'
import { DecodeStop, type ProblemList } from './decode-problem.ts'
import { BadTextBytes, decodeTextChunks, encodingProblem, type TextEncoding } from './text-encoding.ts'
import type { ByteSource, RawRow, SheetSource } from './types.ts'

/**
 * The one sheet of a CSV file. Each `rows()` call reads the source again from the start, so
 * memory never holds more than a chunk and a record; bad quoting, limits and (for GB18030)
 * bad bytes end the iteration with a problem.
 */
export function csvSheet(source: ByteSource, encoding: TextEncoding, problems: ProblemList): SheetSource {
  return {
    async *rows(): AsyncGenerator<RawRow> {
      const tokenizer = new CsvTokenizer()
      const out: RawRow[] = []
      let stopped: DecodeStop | undefined
      try {
        for await (const text of decodeTextChunks(source, encoding)) {
          tokenizer.push(text, out)
          // Swap the batch out before yielding: the consumer may stop at any row.
          const batch = out.splice(0, out.length)
          for (const row of batch) yield row
        }
        tokenizer.finish(out)
      } catch (error) {
        // The text before bad bytes has been tokenized, so the tokenizer is on their line.
        if (error instanceof BadTextBytes) stopped = encodingProblem(tokenizer.line)
        else if (error instanceof DecodeStop) stopped = error
        else throw error
      }
      // Records completed before the problem are still handed out, in order.
      for (const row of out) yield row
      if (stopped) problems.add(stopped.finding)
    },
  }
}
