import { App } from 'aws-cdk-lib'
import { describe, expect, it } from 'vitest'
import { propsFromContext } from '../../infra/deployment.ts'
import { DEFAULT_STAGE, parseStage, stageNames } from '../../schemas/stage-names.ts'
import { synthesized } from './synthesized.ts'
import { claimedNames } from './template-helpers.ts'

const prod = synthesized('prod')
const dev = synthesized('dev')

const valueOf = (line: string): string => line.split(' ').slice(2).join(' ')

describe('stages: one context value names the stack and every named resource', () => {
  it('the production stage keeps the contract\'s names exactly', () => {
    expect(prod.stackName).toBe('VillageAppraisal')
    expect(claimedNames(prod.resources)).toEqual(
      expect.arrayContaining([
        'AWS::DynamoDB::Table TableName submissions',
        'AWS::DynamoDB::Table TableName appraisals',
        'AWS::Glue::Database Name village_appraisal',
        'AWS::Athena::WorkGroup Name village_appraisal',
        'AWS::Scheduler::ScheduleGroup Name village-appraisal',
        'AWS::SNS::Topic TopicName village-appraisal-verdicts',
        'AWS::SNS::Topic TopicName village-appraisal-appraisals',
      ]),
    )
  })

  it('-c stage=dev names the stack VillageAppraisal-dev and puts dev into every name', () => {
    expect(dev.stackName).toBe('VillageAppraisal-dev')
    const names = claimedNames(dev.resources)
    expect(names).toEqual(
      expect.arrayContaining([
        'AWS::DynamoDB::Table TableName dev-submissions',
        'AWS::DynamoDB::Table TableName dev-appraisals',
        'AWS::Glue::Database Name village_appraisal_dev',
        'AWS::Athena::WorkGroup Name village_appraisal_dev',
        'AWS::Scheduler::ScheduleGroup Name village-appraisal-dev',
        'AWS::SNS::Topic TopicName village-appraisal-dev-verdicts',
        'AWS::SNS::Topic TopicName village-appraisal-dev-appraisals',
      ]),
    )
    for (const name of names) expect(valueOf(name), name).toMatch(/dev/)
  })

  it('two stages deploy side by side in one account: no name in common', () => {
    const prodNames = new Set(claimedNames(prod.resources).map(valueOf))
    const devNames = claimedNames(dev.resources).map(valueOf)
    expect(prodNames.size).toBeGreaterThan(5)
    expect(devNames.filter((n) => prodNames.has(n))).toEqual([])
    expect(dev.stackName).not.toBe(prod.stackName)
  })

  it('the dev stage\'s functions, queries and grants point at the dev names, never at production\'s', () => {
    const text = JSON.stringify(dev.template)
    for (const production of ['"village_appraisal"', 'workgroup/village_appraisal"', 'database/village_appraisal"', '"submissions"', '"appraisals"']) {
      expect(text).not.toContain(production)
    }
    const aggregate = dev.resources[dev.ids.analytics.aggregate.function]!.Properties as { Environment: { Variables: Record<string, unknown> } }
    expect(aggregate.Environment.Variables).toMatchObject({ GLUE_DATABASE: 'village_appraisal_dev', ATHENA_WORKGROUP: 'village_appraisal_dev' })
    for (const [, query] of Object.entries(dev.resources).filter(([, r]) => r.Type === 'AWS::Athena::NamedQuery')) {
      expect(query.Properties).toMatchObject({ Database: 'village_appraisal_dev', WorkGroup: 'village_appraisal_dev' })
    }
  })

  it('the quarterly schedule lives in the stage\'s group, and the scheduler is trusted only from that group', () => {
    for (const s of [prod, dev]) {
      expect(s.resources[s.ids.analytics.schedule]).toMatchObject({
        Properties: { GroupName: s.names.scheduleGroup, Name: 'quarterly-appraisal' },
        DependsOn: expect.arrayContaining([s.ids.analytics.scheduleGroup]),
      })
      expect(s.resources[s.ids.analytics.scheduleGroup]).toMatchObject({ Properties: { Name: s.names.scheduleGroup }, DeletionPolicy: 'Delete' })
      const trust = s.resources[s.ids.analytics.scheduleRole]!.Properties.AssumeRolePolicyDocument as { Statement: { Condition: unknown }[] }
      expect(trust.Statement[0]!.Condition).toMatchObject({
        StringEquals: { 'aws:SourceArn': { 'Fn::GetAtt': [s.ids.analytics.scheduleGroup, 'Arn'] } },
      })
    }
  })

  it('cdk-nag AwsSolutions: no unacknowledged error or warning in another stage', () => {
    expect(dev.nag).toEqual([])
  })

  it('the stage is an output, for the CLI and for whoever reads the stack', () => {
    expect((prod.template as { Outputs: Record<string, { Value: unknown }> }).Outputs.Stage!.Value).toBe('prod')
    expect((dev.template as { Outputs: Record<string, { Value: unknown }> }).Outputs.Stage!.Value).toBe('dev')
  })
})

describe('stage names', () => {
  it.each(['prod', 'dev', 'test2', 'a', 'abcdefghijkl'])('%s is a stage', (stage) => {
    expect(parseStage(stage)).toBe(stage)
    expect(stageNames(stage).stage).toBe(stage)
  })

  it.each(['Dev', 'dev-1', 'dev_1', '1dev', 'abcdefghijklm', 'dév', ' dev'])('%j is refused', (stage) => {
    expect(() => parseStage(stage)).toThrow(/lowercase letters or digits/)
  })

  it.each([undefined, ''])('%j is the default stage, prod', (value) => {
    expect(parseStage(value)).toBe(DEFAULT_STAGE)
    expect(stageNames().stackName).toBe('VillageAppraisal')
  })
})

describe('the context the cdk command line passes', () => {
  const props = (context: Record<string, unknown>) => propsFromContext(new App({ context }))

  it('reads stage and customerManagedKey', () => {
    expect(props({})).toMatchObject({ stage: 'prod', customerManagedKey: false })
    expect(props({ stage: 'dev', customerManagedKey: 'true' })).toMatchObject({ stage: 'dev', customerManagedKey: true })
    expect(props({ customerManagedKey: true })).toMatchObject({ customerManagedKey: true })
  })

  it('refuses what it cannot read instead of deploying something else', () => {
    expect(() => props({ stage: 'Dev' })).toThrow(/lowercase/)
    expect(() => props({ customerManagedKey: 'yes' })).toThrow(/expected true or false/)
  })

  // The README's old "second copy" (-c tablePrefix=dev-) kept the stack name and so replaced
  // production's tables; it is refused with the command that works.
  it('refuses the retired tablePrefix and names -c stage instead', () => {
    expect(() => props({ tablePrefix: 'dev-' })).toThrow(/-c stage=<name>/)
  })
})
