import { describe, expect, it } from 'vitest'
import { IamSimulator } from './iam-simulator.ts'
import { synthesized } from './synthesized.ts'
import type { Synthesized } from './synthesized.ts'
import { permissions, roleStatements } from './template-helpers.ts'

// Where this would most likely run: a Guizhou deployment in Ningxia (cn-northwest-1) or Beijing
// (cn-north-1), partition aws-cn, whose ARNs start arn:aws-cn: and whose endpoints end in
// amazonaws.com.cn. Every ARN and endpoint must come from what CDK resolves for the partition.
const CHINA = [
  ['cn-northwest-1', synthesized('cnNorthwest')],
  ['cn-northwest-1 with the customer managed key', synthesized('cnNorthwestCmk')],
  ['cn-north-1', synthesized('cnNorth')],
  ['cn-north-1 with the customer managed key', synthesized('cnNorthCmk')],
] as const

/** Every string of a JSON document with the path it sits at. */
function strings(value: unknown, path: string[] = []): [string, string[]][] {
  if (typeof value === 'string') return [[value, path]]
  if (Array.isArray(value)) return value.flatMap((v, i) => strings(v, [...path, String(i)]))
  if (value && typeof value === 'object') return Object.entries(value).flatMap(([k, v]) => strings(v, [...path, k]))
  return []
}

/** A service principal (`Principal.Service`), which IAM spells <service>.amazonaws.com in every partition. */
const isServicePrincipal = (path: string[]): boolean => {
  const at = path.lastIndexOf('Principal')
  return at >= 0 && path[at + 1] === 'Service'
}

describe.each(CHINA)('synthesized for %s', (_, s: Synthesized) => {
  it('no literal arn:aws: anywhere (ARNs are arn:aws-cn: or built on AWS::Partition)', () => {
    const found = strings(s.template).filter(([text]) => text.includes('arn:aws:'))
    expect(found).toEqual([])
    expect(JSON.stringify(s.template)).toContain('arn:aws-cn:')
  })

  it('no literal amazonaws.com but the service principals CDK resolves for the partition', () => {
    const found = strings(s.template)
      .filter(([text]) => /amazonaws\.com(?!\.cn)/.test(text) && !/^\s*$/.test(text))
      .filter(([, path]) => !isServicePrincipal(path))
      .map(([text, path]) => `${path.join('.')}: ${text}`)
    expect(found).toEqual([])
  })

  it('cdk-nag AwsSolutions: no unacknowledged error or warning', () => {
    expect(s.nag).toEqual([])
  })
})

describe('the customer managed key in the China regions', () => {
  it.each([
    ['cn-northwest-1', synthesized('cnNorthwestCmk')],
    ['cn-north-1', synthesized('cnNorthCmk')],
  ] as const)('%s: county uploads use the key through S3 at s3.<region>.amazonaws.com.cn', (region, s) => {
    const sim = new IamSimulator(s.template, { partition: 'aws-cn', region, account: '123456789012' })
    const statement = roleStatements(s.assertions, s.ids.access.countyUploaderRole).statements.find(
      (st) => (st as { Sid?: string }).Sid === 'UseBucketKeyThroughS3',
    ) as { Condition: { StringEquals: { 'kms:ViaService': unknown } } }
    expect(sim.resolve(statement.Condition.StringEquals['kms:ViaService'])).toBe(`s3.${region}.amazonaws.com.cn`)
    expect(permissions([statement as never])).toHaveLength(2)
  })
})
