import { describe, expect, it } from 'vitest'
import { STACK_OUTPUTS } from '../../functions/cli/targets.ts'
import { synthesized } from './synthesized.ts'

describe('the outputs va --target aws composes from', () => {
  it('are all in the stack, the scoring overrides among them ({} for none)', () => {
    const outputs = (synthesized('prod').template as { Outputs: Record<string, { Value: unknown }> }).Outputs
    expect(STACK_OUTPUTS.filter((name) => !(name in outputs))).toEqual([])
    expect(outputs['ScoringOverrides']?.Value).toBe('{}')
  })
})
