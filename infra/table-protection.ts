import { RemovalPolicy } from 'aws-cdk-lib'
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb'
import * as iam from 'aws-cdk-lib/aws-iam'
import * as logs from 'aws-cdk-lib/aws-logs'
import * as cr from 'aws-cdk-lib/custom-resources'
import { Construct } from 'constructs'

export interface TableProtectionProps {
  tables: readonly dynamodb.Table[]
}

/**
 * Turns on DynamoDB deletion protection for the tables once everything else of the stack exists
 * (the stack makes this construct depend on all its other parts).
 *
 * Why not the table's own DeletionProtectionEnabled: the tables have fixed names (the contract's)
 * and DeletionPolicy RetainExceptOnCreate, so that a first deploy that fails and rolls back
 * deletes the tables it created and can simply be deployed again. A table created protected
 * cannot be deleted by that rollback (ROLLBACK_FAILED, the table stays, and the next deploy fails
 * with "already exists"). Protection switched on last is in force for every table of a stack
 * that was created, and absent only while a failed create is being rolled back.
 */
/** The construct id of CDK's singleton provider function for every AwsCustomResource of a stack. */
const PROVIDER_ID = `AWS${cr.AwsCustomResource.PROVIDER_FUNCTION_UUID.replace(/[^a-zA-Z0-9]/g, '')}`

export class TableProtection extends Construct {
  readonly role: iam.Role
  readonly logGroup: logs.LogGroup
  readonly calls: cr.AwsCustomResource[] = []

  /**
   * Makes the protection wait for every other child of `scope` (the stack): call it once the
   * stack is complete. The provider function it runs on is left out (it depends on this role).
   */
  comesLast(scope: Construct): void {
    for (const child of scope.node.children) {
      if (child !== this && child.node.id !== PROVIDER_ID) this.node.addDependency(child)
    }
  }

  constructor(scope: Construct, id: string, props: TableProtectionProps) {
    super(scope, id)
    this.logGroup = new logs.LogGroup(this, 'Logs', {
      retention: logs.RetentionDays.ONE_YEAR,
      removalPolicy: RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE,
    })
    // Our own role instead of CDK's default, which would carry AWSLambdaBasicExecutionRole.
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'Turns on deletion protection of the stage\'s DynamoDB tables at deploy time',
    })
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'WriteOwnLogs',
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [this.logGroup.logGroupArn],
      }),
    )

    props.tables.forEach((table, i) => {
      const call: cr.AwsSdkCall = {
        service: 'DynamoDB',
        action: 'UpdateTable',
        parameters: { TableName: table.tableName, DeletionProtectionEnabled: true },
        physicalResourceId: cr.PhysicalResourceId.of(`deletion-protection-${table.node.id}`),
        // The whole TableDescription could pass CloudFormation's 4 KB limit on response data.
        outputPaths: ['TableDescription.TableName'],
      }
      this.calls.push(
        new cr.AwsCustomResource(this, `Protect${i}`, {
          onCreate: call,
          onUpdate: call,
          policy: cr.AwsCustomResourcePolicy.fromStatements([
            new iam.PolicyStatement({ actions: ['dynamodb:UpdateTable'], resources: [table.tableArn] }),
          ]),
          role: this.role,
          logGroup: this.logGroup,
          // The SDK in the Lambda runtime has UpdateTable; nothing is downloaded at deploy time
          // (npm is not reliably reachable from every region, China's included).
          installLatestAwsSdk: false,
        }),
      )
    })
  }
}
