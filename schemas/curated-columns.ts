import { DATASET_SPECS, DERIVED_COLUMNS, HOUSEHOLD_DERIVED_COLUMNS, TARGET_DERIVED_COLUMNS, type StorageType } from './datasets.ts'
import type { DatasetName } from './findings.ts'

export type CuratedStorage = StorageType | 'timestamp'

export interface CuratedColumn {
  name: string
  storage: CuratedStorage
}

/**
 * The columns of a curated Parquet file, in order: the dataset's columns under their stored
 * names, then the derived columns (year and quarter live in the object key, not the file).
 * The validate function writes these and the Glue tables declare them (infra/glue-columns.ts).
 */
export function curatedColumns(dataset: DatasetName): CuratedColumn[] {
  const spec = DATASET_SPECS[dataset]
  const cols: CuratedColumn[] = spec.columns.map((c) => ({ name: c.storedAs ?? c.key, storage: c.storage }))
  if (dataset === 'org_units') return [...cols, { name: 'province_code', storage: 'string' }]
  if (dataset === 'targets') return [...cols, ...TARGET_DERIVED_COLUMNS.map((d) => ({ name: d.key, storage: d.storage }))]
  cols.push(...DERIVED_COLUMNS.map((d) => ({ name: d.key, storage: d.storage })))
  if (dataset === 'monitored_households') cols.push(...HOUSEHOLD_DERIVED_COLUMNS.map((d) => ({ name: d.key, storage: d.storage })))
  return cols
}
