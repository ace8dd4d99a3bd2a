/**
 * Baseline: csv-parse with `columns: true` (an object per row, keyed by header), nothing else.
 *
 *   node csv-parse.mjs <file>
 */
import { createReadStream } from 'node:fs'
import { parse } from 'csv-parse'
import { reportResult } from './report.ts'

const file = process.argv[2]!
const started = performance.now()
let rows = 0
for await (const record of createReadStream(file).pipe(parse({ columns: true, bom: true }))) {
  if (record) rows++
}
const seconds = (performance.now() - started) / 1000
reportResult({ rows, seconds, rows_per_s: rows / seconds })
