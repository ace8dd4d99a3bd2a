import { ParquetWriter, fileWriter } from 'hyparquet-writer'
import type { CuratedColumn } from '../core/curated-columns.ts'
import type { CuratedRecord, RecordSink } from '../core/validate/validate-file.ts'

type SchemaElement = ConstructorParameters<typeof ParquetWriter>[0]['schema'][number]

/** Row-group size: big enough for Athena scans, small enough that a group's columns stay a few MB. */
export const ROW_GROUP_ROWS = 100_000

function schemaElement(c: CuratedColumn): SchemaElement {
  const base = { name: c.name, repetition_type: 'OPTIONAL' as const }
  switch (c.storage) {
    case 'string': return { ...base, type: 'BYTE_ARRAY', converted_type: 'UTF8' }
    case 'bigint': return { ...base, type: 'INT64' }
    case 'double': return { ...base, type: 'DOUBLE' }
    case 'boolean': return { ...base, type: 'BOOLEAN' }
    case 'date': return { ...base, type: 'INT32', converted_type: 'DATE' }
    case 'timestamp': return { ...base, type: 'INT64', converted_type: 'TIMESTAMP_MILLIS' }
  }
}

/**
 * Streams records into a Parquet file (SNAPPY, explicit schema) one row group at a time, so
 * memory holds one group, never the file.
 */
export class ParquetFileWriter implements RecordSink {
  private readonly writer: ParquetWriter
  private buffers: unknown[][]
  private count = 0
  rows = 0

  constructor(readonly path: string, private readonly columns: readonly CuratedColumn[], kvMetadata: { key: string; value: string }[] = []) {
    this.writer = new ParquetWriter({
      writer: fileWriter(path),
      schema: [{ name: 'root', num_children: columns.length }, ...columns.map(schemaElement)],
      codec: 'SNAPPY',
      kvMetadata,
      createdBy: 'village-appraisal',
    })
    this.buffers = columns.map(() => [])
  }

  write(record: CuratedRecord): void {
    const cols = this.columns
    for (let i = 0; i < cols.length; i++) {
      const c = cols[i]!
      const v = record[c.name] ?? null
      this.buffers[i]!.push(v !== null && (c.storage === 'bigint' || c.storage === 'timestamp') ? BigInt(v as number) : v)
    }
    this.count++
    this.rows++
    if (this.count >= ROW_GROUP_ROWS) this.flush()
  }

  private flush(): void {
    if (this.count === 0) return
    this.writer.write({
      columnData: this.columns.map((c, i) => ({ name: c.name, data: this.buffers[i]! as never })),
      rowGroupSize: this.count,
    })
    this.buffers = this.columns.map(() => [])
    this.count = 0
  }

  /** Writes the last row group and the footer. */
  finish(): void {
    this.flush()
    this.writer.finish()
  }
}
