import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns'

/** Publishes a message with string attributes (SNS filter policies match on them). */
export function snsPublisher(sns: SNSClient, topicArn: string) {
  return async (message: unknown, attributes: Record<string, string>, subject?: string): Promise<void> => {
    await sns.send(new PublishCommand({
      TopicArn: topicArn,
      Message: JSON.stringify(message),
      ...(subject ? { Subject: subject.slice(0, 99) } : {}),
      MessageAttributes: Object.fromEntries(Object.entries(attributes).map(([k, v]) => [k, { DataType: 'String', StringValue: v }])),
    }))
  }
}
