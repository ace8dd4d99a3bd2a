/**
 * The encoding thread of bench/encoding-thread/writer.ts: it owns one ParquetFileWriter and
 * receives rows in packed batches (batch.ts), so the dictionary building, level and page
 * encoding, SNAPPY and the writes run beside the check instead of inside it.
 *
 * Messages in: `rows` (a packed batch), `finish`. Out: `written` after each `rows`,
 * `finished` after the footer, `failed` with the error's name and message (the thread then
 * stops taking rows). The bench bundles it as `parquet-worker.mjs` beside its ingest child.
 */
import { parentPort, workerData } from 'node:worker_threads'
import type { CuratedColumn } from '../../functions/core/curated-columns.ts'
import { unpackBatch, type PackedBatch } from './batch.ts'
import { ParquetFileWriter } from '../../functions/adapters/parquet-file-writer.ts'

export interface ParquetWorkerData {
  path: string
  columns: readonly CuratedColumn[]
  metadata: { key: string; value: string }[]
}

export type ParquetWorkerRequest = { type: 'rows'; batch: PackedBatch } | { type: 'finish' }
export type ParquetWorkerReply = { type: 'written' } | { type: 'finished'; rows: number } | { type: 'failed'; name: string; message: string }

const port = parentPort
if (port) {
  const { path, columns, metadata } = workerData as ParquetWorkerData
  let failed = false
  let writer: ParquetFileWriter | undefined
  const reply = (message: ParquetWorkerReply) => port.postMessage(message)
  port.on('message', (request: ParquetWorkerRequest) => {
    if (failed) return
    try {
      writer ??= new ParquetFileWriter(path, columns, metadata)
      if (request.type === 'rows') {
        writer.writeColumns(unpackBatch(request.batch), request.batch.n)
        reply({ type: 'written' })
      } else {
        writer.finish()
        reply({ type: 'finished', rows: writer.rows })
      }
    } catch (error) {
      failed = true
      writer?.abandon()
      const e = error instanceof Error ? error : new Error(String(error))
      reply({ type: 'failed', name: e.name, message: e.message })
    }
  })
}
