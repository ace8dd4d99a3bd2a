import { App, Validations } from 'aws-cdk-lib'
import { AwsSolutionsChecks } from 'cdk-nag'
import { VillageAppraisalStack } from './village-appraisal-stack.ts'

/**
 * The CDK app: `npx cdk synth` (cdk.json runs this file with tsx). Context:
 * `-c customerManagedKey=true` encrypts everything with one KMS key; `-c tablePrefix=dev-`
 * prefixes the table names.
 */
const app = new App()
Validations.of(app).addPlugins(new AwsSolutionsChecks(app))

const customerManagedKey = String(app.node.tryGetContext('customerManagedKey') ?? 'false') === 'true'
const tablePrefix = app.node.tryGetContext('tablePrefix') as string | undefined

new VillageAppraisalStack(app, 'VillageAppraisal', {
  description: 'village-appraisal: county uploads validated, curated and appraised each quarter',
  customerManagedKey,
  ...(tablePrefix ? { tablePrefix } : {}),
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
})
