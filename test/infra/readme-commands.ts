import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { REPO_ROOT } from '../../infra/pipeline-function.ts'

/**
 * The README's deploy and runbook sections as data: their shell lines, and the `npx cdk`
 * commands among them with their `-c` context. Read by test/infra/synthesize-once.ts (which
 * synthesizes each command's context) and test/infra/readme-deploy.test.ts.
 */

export const README = join(REPO_ROOT, 'README.md')

/** The README from `## Deploying to AWS` up to the next section after `## Operations`. */
export function deploySections(text = readFileSync(README, 'utf8')): string {
  const start = text.indexOf('## Deploying to AWS')
  const operations = text.indexOf('## Operations', start)
  const end = text.indexOf('\n## ', operations + 1)
  if (start < 0 || operations < 0) throw new Error('README: no "## Deploying to AWS" or "## Operations" section')
  return text.slice(start, end < 0 ? undefined : end)
}

/** Every line of the ```sh blocks, comments dropped. */
export function shellLines(section: string): string[] {
  const lines: string[] = []
  for (const block of section.matchAll(/```sh\n([\s\S]*?)```/g)) {
    for (const line of (block[1] ?? '').split('\n')) {
      const code = line.replace(/\s+#\s.*$/, '').trim()
      if (code !== '' && !code.startsWith('#')) lines.push(code)
    }
  }
  return lines
}

export interface CdkCommand {
  line: string
  verb: string
  context: Record<string, string>
  /** Stack names given on the command line (`cdk destroy VillageAppraisal-dev`). */
  stacks: string[]
}

/** Options of the cdk CLI used in the README that take a value. */
const VALUED = new Set(['--outputs-file', '--profile', '--region'])

/** The `npx cdk synth|deploy|destroy` commands (bootstrap needs an account and is left out). */
export function cdkCommands(lines: readonly string[]): CdkCommand[] {
  const commands: CdkCommand[] = []
  for (const line of lines) {
    const words = line.split(/\s+/)
    if (words[0] !== 'npx' || words[1] !== 'cdk' || !['synth', 'deploy', 'destroy'].includes(words[2] ?? '')) continue
    const context: Record<string, string> = {}
    const stacks: string[] = []
    for (let i = 3; i < words.length; i++) {
      const word = words[i] as string
      if (word === '-c' || word === '--context') {
        const [key, ...value] = (words[++i] ?? '').split('=')
        context[key as string] = value.join('=')
      } else if (VALUED.has(word)) {
        i++
      } else if (!word.startsWith('-')) {
        stacks.push(word)
      }
    }
    commands.push({ line, verb: words[2] as string, context, stacks })
  }
  return commands
}

/** A context as one comparable key. */
export const contextKey = (context: Record<string, string>): string =>
  JSON.stringify(Object.entries(context).sort(([a], [b]) => a.localeCompare(b)))
