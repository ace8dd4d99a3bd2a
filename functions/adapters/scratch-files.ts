import { createHash } from 'node:crypto'
import { createWriteStream } from 'node:fs'
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { Transform } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import type { CuratedColumn } from '../core/curated-columns.ts'
import { StorageError } from '../core/errors.ts'
import type { Scratch, ScratchArea, TableWriter } from '../use-cases/ports.ts'
import { fileByteSource } from './file-byte-source.ts'
import { ParquetFileWriter } from './parquet-file-writer.ts'

/**
 * The function's own disk as the use cases' scratch space: /tmp on Lambda, the state's tmp
 * folder locally. Each unit of work gets a fresh folder, removed whole when it is done.
 */
export function scratchFolder(root: string): Scratch {
  return {
    async open(label) {
      let dir: string
      try {
        await mkdir(root, { recursive: true })
        dir = await mkdtemp(join(root, `va-${label}-`))
      } catch (cause) {
        throw new StorageError(`Cannot make a scratch folder in ${root}`, { cause })
      }
      return scratchArea(dir)
    },
  }
}

function scratchArea(dir: string): ScratchArea {
  const path = (name: string) => join(dir, name)
  return {
    path,
    async save(name, body) {
      const hash = createHash('sha256')
      let size = 0
      const tap = new Transform({
        transform(chunk: Buffer, _enc, done) {
          hash.update(chunk)
          size += chunk.length
          done(null, chunk)
        },
      })
      try {
        await pipeline(body, tap, createWriteStream(path(name)))
      } catch (cause) {
        throw new StorageError(`Cannot save ${name} in the scratch folder ${dir}`, { cause })
      }
      return { size, sha256: hash.digest('hex') }
    },
    source: (name) => fileByteSource(path(name)),
    readAll: (name) => readFile(path(name)),
    table: (name, columns: readonly CuratedColumn[], metadata): TableWriter => new ParquetFileWriter(path(name), columns, metadata),
    dispose: () => rm(dir, { recursive: true, force: true }),
  }
}
