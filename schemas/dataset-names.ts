/**
 * The datasets of the contract by name, without zod: the `va` command table (functions/cli/va.ts)
 * names them in `--help`, which must not load a schema library to answer.
 */
export const DATASETS = ['village_report', 'monitored_households', 'org_units', 'targets'] as const
