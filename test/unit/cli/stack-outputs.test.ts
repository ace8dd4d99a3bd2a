import { describe, expect, it } from 'vitest'
import { aggregateEnvFromOutputs, type StackOutputs } from '../../../functions/cli/targets.ts'

const outputs: StackOutputs = {
  IngestBucketName: 'ingest-b', LakeBucketName: 'lake-b', SubmissionsTableName: 'submissions', AppraisalsTableName: 'appraisals',
  AthenaWorkGroup: 'village_appraisal', GlueDatabase: 'village_appraisal',
  ScoringOverrides: '{"provinces":{"52":{"weights":{"income_growth":0.2}}}}', AppraisalTopicArn: 'arn:aws-cn:sns:cn-northwest-1:123456789012:appraisals',
}

describe('va --target aws composes the aggregate function as the stack set it', () => {
  it('takes the deployed scoring overrides and the appraisal topic from the outputs', () => {
    expect(aggregateEnvFromOutputs(outputs)).toEqual({
      LAKE_BUCKET: 'lake-b', SUBMISSIONS_TABLE: 'submissions', APPRAISALS_TABLE: 'appraisals', GLUE_DATABASE: 'village_appraisal', ATHENA_WORKGROUP: 'village_appraisal',
      SCORING_OVERRIDES: outputs.ScoringOverrides, APPRAISAL_TOPIC_ARN: outputs.AppraisalTopicArn, QUERY_DEADLINE_SECONDS: 720,
    })
  })

  it('reads {} and none as no overrides and no topic', () => {
    expect(aggregateEnvFromOutputs({ ...outputs, ScoringOverrides: '{}', AppraisalTopicArn: 'none' })).toMatchObject({ SCORING_OVERRIDES: '', APPRAISAL_TOPIC_ARN: '' })
  })
})
