import { describe, expect, it } from 'vitest'
import { CONTEXT_KEYS } from '../../infra/deployment.ts'
import { NOTIFYING_ALARMS } from '../../infra/operations.ts'
import { stageNames } from '../../schemas/stage-names.ts'
import { cdkCommands, deploySections, shellLines } from './readme-commands.ts'
import { readmeSyntheses, synthesized } from './synthesized.ts'
import type { Synthesized } from './synthesized.ts'

// The README's deploy path and runbook, held to the stacks: every `npx cdk` command is
// synthesized with its own context (test/infra/synthesize-once.ts), and every name the other
// commands use is looked up in the synthesized templates of the stages they name.
const section = deploySections()
const operations = section.slice(section.indexOf('## Operations'))
const lines = shellLines(section)
const STAGES = [synthesized('prod'), synthesized('dev'), synthesized('cmk'), synthesized('options')]

const valuesOf = (type: string, property: string): Set<unknown> =>
  new Set(STAGES.flatMap((s) => Object.values(s.resources).filter((r) => r.Type === type).map((r) => r.Properties[property])))
const outputsOf = (s: Synthesized): string[] => Object.keys((s.template as { Outputs?: object }).Outputs ?? {})
/** Every value given to `--<option>` in the shell lines, quotes removed, variables left out. */
const optionValues = (option: string): string[] =>
  lines.flatMap((line) => [...line.matchAll(new RegExp(`--${option} ("[^"]*"|'[^']*'|\\S+)`, 'g'))].map((m) => (m[1] as string).replace(/^["']|["']$/g, '')))
    .filter((v) => !v.includes('$'))

describe('the README\'s deploy commands', () => {
  const commands = cdkCommands(lines)

  it('cover bootstrap, synth, deploy of a stage, deploy of production and destroy', () => {
    expect(lines.some((l) => /^npx cdk bootstrap aws:\/\/\d{12}\/[a-z0-9-]+$/.test(l))).toBe(true)
    expect(commands.map((c) => c.verb)).toEqual(expect.arrayContaining(['synth', 'deploy', 'destroy']))
    expect(commands.some((c) => c.verb === 'deploy' && c.context.stage === undefined)).toBe(true)
    expect(commands.some((c) => c.verb === 'deploy' && c.context.stage === 'dev')).toBe(true)
  })

  it('set only context keys the app reads', () => {
    const keys = new Set(commands.flatMap((c) => Object.keys(c.context)))
    expect([...keys].filter((k) => !(CONTEXT_KEYS as readonly string[]).includes(k))).toEqual([])
  })

  it('each synthesize as written, and name the stack they make', () => {
    const results = readmeSyntheses()
    expect(results.map((r) => r.line)).toEqual(commands.map((c) => c.line))
    for (const [i, command] of commands.entries()) {
      const result = results[i]!
      expect(result.error, command.line).toBeUndefined()
      expect(result.stackName, command.line).toBe(stageNames(command.context.stage).stackName)
      for (const stack of command.stacks) expect(stack, command.line).toBe(result.stackName)
    }
  })

  it('the second copy is a second stack: -c stage=dev deploys VillageAppraisal-dev, never production', () => {
    const results = readmeSyntheses()
    const dev = commands.flatMap((c, i) => (c.context.stage === 'dev' ? [results[i]!.stackName] : []))
    expect(dev.length).toBeGreaterThan(0)
    expect(new Set(dev)).toEqual(new Set(['VillageAppraisal-dev']))
  })

  it('the context table lists every key the app reads', () => {
    for (const key of CONTEXT_KEYS) expect(section, key).toMatch(new RegExp(`\\| \`${key}\` \\|`))
  })

  it('the stage table gives every name of prod and of dev as the stack makes it', () => {
    for (const stage of ['prod', 'dev']) {
      const names = stageNames(stage)
      for (const key of ['stackName', 'submissionsTable', 'appraisalsTable', 'glueDatabase', 'scheduleGroup', 'verdictTopic', 'appraisalTopic', 'opsTopic'] as const) {
        expect(section, `${stage} ${key}`).toContain(`\`${names[key]}\``)
      }
    }
  })
})

describe('the names the README\'s commands use exist in the synthesized stacks', () => {
  it('outputs read with out <Key> (and logs <Key>)', () => {
    const used = new Set(lines.flatMap((l) => [...l.matchAll(/\b(?:out|logs) "?([A-Z][A-Za-z]+)"?/g)].map((m) => m[1] as string)))
    expect(used.size).toBeGreaterThan(8)
    const outputs = new Set(outputsOf(synthesized('prod')))
    expect([...used].filter((k) => !outputs.has(k))).toEqual([])
  })

  it('stacks', () => {
    const stacks = new Set(STAGES.map((s) => s.stackName))
    const used = [...optionValues('stack-name'), ...lines.flatMap((l) => [...l.matchAll(/^STACK=(\S+)/g)].map((m) => m[1] as string))]
    expect(used.length).toBeGreaterThan(0)
    expect(used.filter((s) => !stacks.has(s))).toEqual([])
  })

  it('tables', () => {
    const used = optionValues('table-name')
    expect(used.length).toBeGreaterThan(0)
    const tables = valuesOf('AWS::DynamoDB::Table', 'TableName')
    expect(used.filter((t) => !tables.has(t))).toEqual([])
  })

  it('alarms', () => {
    const used = [...optionValues('alarm-name'), ...optionValues('alarm-names')]
    expect(used.length).toBeGreaterThan(0)
    const alarms = new Set([...valuesOf('AWS::CloudWatch::Alarm', 'AlarmName'), ...valuesOf('AWS::CloudWatch::CompositeAlarm', 'AlarmName')])
    expect(used.filter((a) => !alarms.has(a))).toEqual([])
  })

  it('schedule groups and the schedules in them', () => {
    const groups = valuesOf('AWS::Scheduler::ScheduleGroup', 'Name')
    const schedules = new Set(
      STAGES.flatMap((s) => Object.values(s.resources).filter((r) => r.Type === 'AWS::Scheduler::Schedule').map((r) => `${String(r.Properties.GroupName)}/${String(r.Properties.Name)}`)),
    )
    const used = lines.flatMap((l) => [...l.matchAll(/--group-name (\S+)(?: --name (\S+))?/g)].map((m) => [m[1] as string, m[2]] as const))
    expect(used.length).toBeGreaterThan(0)
    for (const [group, name] of used) {
      expect(groups.has(group), group).toBe(true)
      if (name !== undefined && !name.startsWith('"')) expect(schedules.has(`${group}/${name}`), `${group}/${name}`).toBe(true)
    }
  })
})

describe('the runbook', () => {
  it.each(NOTIFYING_ALARMS)('%s: what it means, the command to look, the command to fix', (alarm) => {
    const start = operations.indexOf(`\n### ${alarm}\n`)
    expect(start, alarm).toBeGreaterThan(0)
    const next = operations.indexOf('\n### ', start + 1)
    const entry = operations.slice(start, next < 0 ? undefined : next)
    expect(entry).toContain('*Means*')
    expect(entry).toMatch(/\*Look\*[\s\S]*```sh\n[\s\S]*?aws /)
    expect(entry).toMatch(/\*Fix\*/)
  })

  it('names the alarms that only feed the five, exactly those of the stack', () => {
    const components = Object.keys(synthesized('prod').ids.operations.components)
    for (const name of components) expect(operations, name).toContain(`\`${name}\``)
    const entries = [...operations.matchAll(/\n### (\S+)\n/g)].map((m) => m[1])
    expect(entries).toEqual([...NOTIFYING_ALARMS])
  })

  it('fixes dead letters with the message move task va redrive names on AWS, and rebuilds with va replay', () => {
    expect(operations).toContain('aws sqs start-message-move-task')
    expect(operations).toContain('`va redrive`')
    expect(operations).toContain('va replay --period')
  })
})
