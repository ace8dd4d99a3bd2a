import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Metafile } from 'esbuild'
import { afterAll, describe, expect, it } from 'vitest'
import { bytesByOrigin, lambdaBundle, splitByLoad } from '../../bench/bundle.ts'

// What Lambda reads at init is the entry and the chunks it imports statically; what a handler
// reaches only through import() (annotated workbooks, the report's charts) must stay outside.

const dir = mkdtempSync(join(tmpdir(), 'va-bundles-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

function origins(metafile: Metafile, outputs: string[]): string[] {
  return bytesByOrigin(metafile, outputs).map(([origin]) => origin)
}

describe('splitByLoad', () => {
  const output = (imports: Metafile['outputs'][string]['imports']) => ({ bytes: 1, inputs: {}, imports, exports: [] })
  const metafile: Metafile = {
    inputs: {},
    outputs: {
      'h/index.mjs': output([{ path: 'h/chunk-A.mjs', kind: 'import-statement' }, { path: 'h/chunk-L.mjs', kind: 'dynamic-import' }, { path: 'node:fs', kind: 'import-statement', external: true }]),
      'h/chunk-A.mjs': output([{ path: 'h/chunk-B.mjs', kind: 'import-statement' }]),
      'h/chunk-B.mjs': output([]),
      'h/chunk-L.mjs': output([{ path: 'h/chunk-A.mjs', kind: 'import-statement' }, { path: 'h/chunk-M.mjs', kind: 'import-statement' }]),
      'h/chunk-M.mjs': output([]),
    },
  }

  it('init is the entry and the closure of its static imports; chunks reached only through import() are lazy', () => {
    expect(splitByLoad(metafile, 'h/index.mjs')).toEqual({
      init: ['h/index.mjs', 'h/chunk-A.mjs', 'h/chunk-B.mjs'],
      lazy: ['h/chunk-L.mjs', 'h/chunk-M.mjs'],
    })
  })
})

describe('the deployed bundles', () => {
  it('validate-upload: exceljs and its zip libraries are in lazy chunks only', () => {
    const b = lambdaBundle('functions/handlers/validate-upload.ts', join(dir, 'validate'))
    const lazy = origins(b.metafile, b.lazy)
    for (const pkg of ['exceljs', 'jszip', 'unzipper']) {
      expect(origins(b.metafile, b.init)).not.toContain(pkg)
      expect(lazy).toContain(pkg)
    }
  })

  it('aggregate-quarter: echarts and zrender are in lazy chunks only', () => {
    const b = lambdaBundle('functions/handlers/aggregate-quarter.ts', join(dir, 'aggregate'))
    const lazy = origins(b.metafile, b.lazy)
    for (const pkg of ['echarts', 'zrender']) {
      expect(origins(b.metafile, b.init)).not.toContain(pkg)
      expect(lazy).toContain(pkg)
    }
  })
})
