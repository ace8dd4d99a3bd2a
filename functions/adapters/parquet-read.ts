import { parquetReadObjects } from 'hyparquet'

/**
 * Reads chosen columns of a small Parquet object (previous quarters, a counterpart roster, the
 * registry) into plain rows: INT64 as numbers, DATE as day numbers.
 */
export async function readParquetRows(bytes: Uint8Array, columns?: string[]): Promise<Record<string, string | number | boolean | null>[]> {
  const file = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer
  const rows = (await parquetReadObjects({ file, ...(columns ? { columns } : {}) })) as Record<string, unknown>[]
  return rows.map((r) => {
    const out: Record<string, string | number | boolean | null> = {}
    for (const [k, v] of Object.entries(r)) {
      if (typeof v === 'bigint') out[k] = Number(v)
      else if (v instanceof Date) out[k] = Math.floor(v.getTime() / 86_400_000)
      else out[k] = (v ?? null) as string | number | boolean | null
    }
    return out
  })
}
