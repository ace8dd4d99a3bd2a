/**
 * The long version of test/reliability/kill-restart.test.ts: many seeded rounds of `va upload`
 * processes SIGKILLed at random moments (some two or more at once on one state), each followed
 * by one more command and compared with a clean run of the same uploads.
 * `npm run soak:kill [-- --rounds 10 --seed 1 --uploads 8 --parallel 2 --kill-rate 0.6 --max-kill-ms 9000]`
 */
import { parseArgs } from 'node:util'
import { killRound } from '../test/support/kill-harness.ts'

process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true'

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '10' },
    seed: { type: 'string', default: '1' },
    uploads: { type: 'string', default: '8' },
    parallel: { type: 'string', default: '2' },
    'kill-rate': { type: 'string', default: '0.6' },
    'max-kill-ms': { type: 'string', default: '9000' },
  },
})
const totals = { rounds: 0, uploads: 0, kills: 0, landed: 0, lost: 0, equal: 0, duplicateVerdicts: 0 }
const started = Date.now()
for (let r = 0; r < Number(values.rounds); r++) {
  const seed = Number(values.seed) + r
  const result = await killRound({
    seed, uploads: Number(values.uploads), parallel: Number(values.parallel),
    killRate: Number(values['kill-rate']), maxKillMs: Number(values['max-kill-ms']),
    log: (line) => console.error(line),
  })
  totals.rounds++
  totals.uploads += result.uploads
  totals.kills += result.kills
  totals.landed += result.landed
  totals.lost += result.lost.length
  totals.duplicateVerdicts += result.duplicateVerdicts
  if (result.differences.length === 0) totals.equal++
  console.log(JSON.stringify({ seed, kills: result.kills, landed: result.landed, lost: result.lost, equal: result.differences.length === 0, differences: result.differences.slice(0, 5), exitCodes: result.exitCodes }))
}
console.log(JSON.stringify({ ...totals, seconds: Math.round((Date.now() - started) / 1000) }))
process.exitCode = totals.lost === 0 && totals.equal === totals.rounds ? 0 : 1
