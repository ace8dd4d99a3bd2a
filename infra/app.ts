import { App, Validations } from 'aws-cdk-lib'
import { AwsSolutionsChecks } from 'cdk-nag'
import { addDeployment } from './deployment.ts'

/**
 * The CDK app: `npx cdk synth` (cdk.json runs this file with tsx). One stack per run, for the
 * stage named by `-c stage=<name>` (default prod); every context key is read in deployment.ts
 * and listed in the README ("Deploying to AWS").
 */
const app = new App()
Validations.of(app).addPlugins(new AwsSolutionsChecks(app))
const account = process.env['CDK_DEFAULT_ACCOUNT']
const region = process.env['CDK_DEFAULT_REGION']
addDeployment(app, { ...(account ? { account } : {}), ...(region ? { region } : {}) })
