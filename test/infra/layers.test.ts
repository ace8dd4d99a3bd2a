import { readdirSync, readFileSync } from 'node:fs'
import { join, relative, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import { REPO_ROOT } from '../../infra/pipeline-function.ts'

// STYLE.md: the CDK app imports schemas/ and nothing that runs. Paths to functions/ appear in
// infra/ only as bundling entries and asset folders (strings), never as imports.
const INFRA = join(REPO_ROOT, 'infra')

function imports(file: string): string[] {
  const source = readFileSync(file, 'utf8')
  return [...source.matchAll(/^\s*(?:import|export)\s[^;]*?from\s+'([^']+)'/gms)].map((m) => m[1] as string)
}

describe('infra/ depends on schemas/ only', () => {
  const files = readdirSync(INFRA).filter((f) => f.endsWith('.ts'))

  it.each(files)('%s imports no module of functions/', (file) => {
    const local = imports(join(INFRA, file))
      .filter((spec) => spec.startsWith('.'))
      .map((spec) => relative(REPO_ROOT, resolve(INFRA, spec)))
    expect(local.filter((path) => !path.startsWith('infra/') && !path.startsWith('schemas/'))).toEqual([])
  })

  it('finds the imports it checks', () => {
    expect(imports(join(INFRA, 'glue-columns.ts'))).toEqual(
      expect.arrayContaining(['../schemas/datasets.ts', '../schemas/appraisal-columns.ts']),
    )
  })
})
