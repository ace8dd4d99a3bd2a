/**
 * The names of one deployment (a "stage"), defined once for the stack and for the `va` command
 * line. The production stage keeps the contract's names exactly (contract/interfaces.md:
 * tables `submissions` and `appraisals`, Glue database and Athena workgroup `village_appraisal`);
 * any other stage puts its name into every name an account or region holds only once, so that
 * two stages deploy side by side in one account. Buckets, queues, roles, log groups and the
 * secret are not named at all: CloudFormation derives their names from the stack's.
 */

/** The stage deployed when none is named: the production copy, under the contract's names. */
export const DEFAULT_STAGE = 'prod'

/** Lowercase letters and digits, starting with a letter: valid in every name below, Glue's included. */
export const STAGE_PATTERN = /^[a-z][a-z0-9]{0,11}$/

export interface StageNames {
  stage: string
  /** The CloudFormation stack (VA_STACK_NAME of the CLI). */
  stackName: string
  submissionsTable: string
  appraisalsTable: string
  glueDatabase: string
  athenaWorkGroup: string
  scheduleGroup: string
  verdictTopic: string
  appraisalTopic: string
  opsTopic: string
  dashboard: string
  /** Every CloudWatch alarm is named `<alarmPrefix>-<what>`. */
  alarmPrefix: string
}

/** Throws on a stage name that could not be part of every name (e.g. `Dev`, `dev-1`, `test_`). */
export function parseStage(value: unknown): string {
  const stage = value === undefined || value === null || value === '' ? DEFAULT_STAGE : String(value)
  if (!STAGE_PATTERN.test(stage)) {
    throw new Error(`stage "${stage}" must be 1 to 12 lowercase letters or digits, starting with a letter (e.g. dev, test2)`)
  }
  return stage
}

export function stageNames(stage: string = DEFAULT_STAGE): StageNames {
  parseStage(stage)
  const prod = stage === DEFAULT_STAGE
  const dashed = prod ? 'village-appraisal' : `village-appraisal-${stage}`
  const stackName = prod ? 'VillageAppraisal' : `VillageAppraisal-${stage}`
  return {
    stage,
    stackName,
    submissionsTable: prod ? 'submissions' : `${stage}-submissions`,
    appraisalsTable: prod ? 'appraisals' : `${stage}-appraisals`,
    glueDatabase: prod ? 'village_appraisal' : `village_appraisal_${stage}`,
    athenaWorkGroup: prod ? 'village_appraisal' : `village_appraisal_${stage}`,
    scheduleGroup: dashed,
    verdictTopic: `${dashed}-verdicts`,
    appraisalTopic: `${dashed}-appraisals`,
    opsTopic: `${dashed}-ops`,
    dashboard: stackName,
    alarmPrefix: stackName,
  }
}
