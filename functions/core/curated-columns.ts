// Pure data shared with the stack, so it lives in schemas/ (infra imports only schemas/);
// re-exported here for the validate path, the Parquet writer and their tests.
export { curatedColumns } from '../../schemas/curated-columns.ts'
export type { CuratedColumn, CuratedStorage } from '../../schemas/curated-columns.ts'
