import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { main } from '../../functions/cli/va.ts'

// The demo, small (40 counties of three villages, four quarters), run once in-process: what it
// plants and what it prints are the story a newcomer reads after `npm start`.
let dir: string
let out = ''
let code: number
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'va-demo-'))
  const lines: string[] = []
  code = await main(['demo', '--from', '2024Q1', '--to', '2024Q4', '--townships', '1', '--villages', '3'], {
    out: (t) => lines.push(t), err: () => undefined, env: { ...process.env, VA_HOME: join(dir, 'state') }, cwd: dir, tty: false,
  })
  out = lines.join('\n')
}, 600_000)
afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

/** The rows of the printed table that follows `title`, as cells split on runs of two spaces. */
function tableAfter(title: string): string[][] {
  const lines = out.split('\n')
  const start = lines.findIndex((l) => l.startsWith(title))
  expect(start, title).toBeGreaterThanOrEqual(0)
  const rule = lines.findIndex((l, i) => i > start && /^-+(\s+-+)*$/.test(l))
  const rows: string[][] = []
  for (let i = rule + 1; i < lines.length && lines[i]!.trim(); i++) rows.push(lines[i]!.trim().split(/\s{2,}/))
  return rows
}

describe('va demo', () => {
  it('ends well (exit 0) and says what it built', () => {
    expect(code).toBe(0)
    expect(out.split('\n')[0]).toBe('va demo: 贵州省 (52): 4 cities, 40 counties, 120 villages, 4 quarters (2024Q1–2024Q4), seed 2024')
  })

  it('tells the closed loop: the red flag of 2024Q2 that the 2024Q3 look-back closed, and the one that recurred and is overdue with a point off', () => {
    expect(tableAfter('The closed loop (整改)')).toEqual([
      ['520626 德江县', 'dropouts', '2024Q2', '2024-09-30', 'closed'],
      ['520627 沿河土家族自治县', 'dropouts', '2024Q2', '2024-09-30', 'open (recurring, overdue)', '−1 (1 overdue)'],
    ])
  })
  it('tells an inspection: opened by the city official, answered by the clerk with a PDF, verified and closed, each step by its signed-in name', () => {
    expect(out).toContain('An inspection item (督查整改) of 520102 南明区, opened in 2025Q1, due 2025-06-30: closed')
    const rows = tableAfter('An inspection item (督查整改)')
    expect(rows.map((r) => [r[0], r[1], r[2]])).toEqual([
      ['2025-01-20 10:00', '贵阳市审核员 (local) (city-5201)', 'opened'],
      ['2025-02-10 16:00', '南明区填报员 (local) (clerk-520102)', 'responded'],
      ['2025-02-14 09:00', '贵阳市审核员 (local) (city-5201)', 'closed'],
    ])
    expect(rows[1]![3]).toMatch(/^已为2户落实产业帮扶和临时救助.+ \[rectification\/520102\/520102-[0-9a-f]{12}\/帮扶台账\.pdf\]$/)
  })
  it('tells the targets: the file of city 5206, accepted under its own scope, and only its counties scored on their milestones', () => {
    expect(out).toMatch(/^Targets \(目标任务\): registry\/targets\/5206目标任务-2024\.csv, sent by city 5206 for its counties: accepted; 9 of its 10 counties scored on their own milestones/m)
    const rows = tableAfter('Targets (目标任务)')
    expect(rows.map((r) => r[0]).sort()).toEqual(['520602', '520603', '520621', '520622', '520623', '520624', '520625', '520626', '520627', '520628'])
    for (const [county, risk, funds] of rows) {
      // 520625 sent a report of zeros: not appraisable, so not scored on any milestone.
      if (county === '520625') expect([risk, funds]).toEqual(['—', '—'])
      else expect([risk, funds]).toEqual([expect.stringMatching(/^\d+%$/), expect.stringMatching(/^\d+%$/)])
    }
  })
})
