import { Worker } from 'node:worker_threads'
import type { CuratedColumn } from '../../functions/core/curated-columns.ts'
import { StorageError } from '../../functions/core/errors.ts'
import type { CellValue, StagedTableWriter } from '../../functions/use-cases/ports.ts'
import { BatchPacker, unpackBatch } from './batch.ts'
import { ParquetFileWriter } from '../../functions/adapters/parquet-file-writer.ts'
import type { ParquetWorkerData, ParquetWorkerReply, ParquetWorkerRequest } from './worker.ts'

/**
 * Rows handed to the encoding thread at a time: small enough that the cells they hold die
 * young (a batch holds them until it is packed), large enough that a message costs little.
 */
export const BATCH_ROWS = 4096
/** Batches sent and not yet written before a write waits: the check runs at most this far ahead. */
const MAX_IN_FLIGHT = 8

/**
 * The staged Parquet encoded on a second thread, as `npm run bench` measures it beside the
 * product's in-thread encoding (the figures decided against it: README, Performance). It plugs
 * into the check through ScratchArea.stagedTable, the seam a production writer would use.
 *
 * The check puts each row's values into typed columns (batch.ts), and every BATCH_ROWS rows
 * the batch is posted to the thread (worker.ts) that builds the dictionaries, pages and file;
 * the check thread keeps the decoding and the rules. A file that ends before its first batch
 * is full never starts the thread. When the encoder is MAX_IN_FLIGHT batches behind,
 * `writeValues` returns a promise, so memory holds a few batches whatever the file's size.
 * An error in the thread fails the next write or `finish` with the thread's message. The file
 * is byte for byte the one ParquetFileWriter writes in-thread (the bench checks it).
 */
export class ParquetWorkerWriter implements StagedTableWriter {
  readonly #columns: readonly CuratedColumn[]
  readonly #worker: URL
  readonly #batch: BatchPacker
  #thread: Worker | undefined
  #inFlight = 0
  #finished = false
  #failure: Error | undefined
  #waiters: (() => void)[] = []

  constructor(readonly path: string, columns: readonly CuratedColumn[], worker: URL) {
    this.#columns = columns
    this.#worker = worker
    this.#batch = new BatchPacker(columns, BATCH_ROWS)
  }

  /** Whether the encoding thread was started (the file had more than one batch of rows). */
  get threaded(): boolean {
    return this.#thread !== undefined
  }

  writeValues(values: readonly CellValue[]): void | Promise<void> {
    if (this.#failure) throw this.#failure
    if (!this.#batch.put(values)) return
    this.#send()
    if (this.#inFlight >= MAX_IN_FLIGHT) return this.#until(() => this.#inFlight < MAX_IN_FLIGHT)
  }

  async finish(): Promise<void> {
    if (this.#failure) {
      await this.#stop()
      throw this.#failure
    }
    if (!this.#thread) {
      const { batch } = this.#batch.pack()
      const writer = new ParquetFileWriter(this.path, this.#columns)
      writer.writeColumns(unpackBatch(batch), batch.n)
      writer.finish()
      return
    }
    if (this.#batch.n > 0) this.#send()
    this.#thread.postMessage({ type: 'finish' } satisfies ParquetWorkerRequest)
    try {
      await this.#until(() => this.#finished)
    } finally {
      await this.#stop()
    }
  }

  async restart(): Promise<void> {
    await this.#stop()
    this.#batch.pack()
    this.#inFlight = 0
    this.#finished = false
    this.#failure = undefined
  }

  async abandon(): Promise<void> {
    await this.#stop()
  }

  /** Posts the rows put so far to the thread (started on the first batch). */
  #send(): void {
    this.#thread ??= this.#start()
    const { batch, transfer } = this.#batch.pack()
    this.#thread.postMessage({ type: 'rows', batch } satisfies ParquetWorkerRequest, transfer)
    this.#inFlight++
  }

  #start(): Worker {
    const data: ParquetWorkerData = { path: this.path, columns: this.#columns, metadata: [] }
    const thread = new Worker(this.#worker, { workerData: data })
    thread.on('message', (reply: ParquetWorkerReply) => {
      if (reply.type === 'written') this.#inFlight--
      else if (reply.type === 'finished') this.#finished = true
      else this.#fail(new StorageError(`Cannot write the staged Parquet ${this.path}: ${reply.name}: ${reply.message}`))
      this.#wake()
    })
    thread.on('error', (error) => this.#fail(new StorageError(`The Parquet encoding thread of ${this.path} failed`, { cause: error })))
    thread.on('exit', (code) => {
      if (!this.#finished && this.#thread === thread) this.#fail(new StorageError(`The Parquet encoding thread of ${this.path} stopped (exit ${code}) before the file was written`))
    })
    return thread
  }

  #fail(error: Error): void {
    this.#failure ??= error
    this.#wake()
  }

  #wake(): void {
    const waiters = this.#waiters
    this.#waiters = []
    for (const w of waiters) w()
  }

  #until(done: () => boolean): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = () => {
        if (this.#failure) reject(this.#failure)
        else if (done()) resolve()
        else this.#waiters.push(check)
      }
      check()
    })
  }

  /** Stops the thread, if one runs (an abandoned or restarted file: its rows are not wanted). */
  async #stop(): Promise<void> {
    const thread = this.#thread
    this.#thread = undefined
    if (thread) await thread.terminate()
  }
}
