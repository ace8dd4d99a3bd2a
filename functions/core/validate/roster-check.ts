import type { DatasetName, Finding } from '../../../schemas/findings.ts'
import { finding, type FindingInput } from '../findings.ts'
import type { RowValues } from '../rules.ts'
import type { Locate } from './header-binding.ts'

/**
 * Roster against report (validation.md, `roster_mismatch`): per village, the roster's
 * households per category must equal the report's `monitored_*_households`, their summed
 * `household_size` the `monitored_*_persons`, and the eliminated households the
 * `risk_eliminated_households`.
 */

export const ROSTER_FIGURES = [
  'monitored_unstable_households', 'monitored_unstable_persons',
  'monitored_marginal_households', 'monitored_marginal_persons',
  'monitored_hardship_households', 'monitored_hardship_persons',
  'risk_eliminated_households',
] as const
export type RosterFigure = (typeof ROSTER_FIGURES)[number]

export type VillageRosterFigures = Record<RosterFigure, number>

export const zeroFigures = (): VillageRosterFigures => ({
  monitored_unstable_households: 0, monitored_unstable_persons: 0,
  monitored_marginal_households: 0, monitored_marginal_persons: 0,
  monitored_hardship_households: 0, monitored_hardship_persons: 0,
  risk_eliminated_households: 0,
})

/** Adds one roster household to its village's figures. */
export function addHousehold(figures: VillageRosterFigures, category: string, size: number, eliminated: boolean): void {
  if (category !== 'unstable' && category !== 'marginal' && category !== 'hardship') return
  figures[`monitored_${category}_households`] += 1
  figures[`monitored_${category}_persons`] += size
  if (eliminated) figures.risk_eliminated_households += 1
}

export interface RosterDisagreement {
  village: string
  figure: RosterFigure
  report: number
  roster: number
}

/** Every disagreement, villages in code order, figures in the contract's order. */
export function compareRoster(report: ReadonlyMap<string, VillageRosterFigures>, roster: ReadonlyMap<string, VillageRosterFigures>): RosterDisagreement[] {
  const villages = [...new Set([...report.keys(), ...roster.keys()])].sort()
  const out: RosterDisagreement[] = []
  for (const village of villages) {
    const r = report.get(village) ?? zeroFigures()
    const h = roster.get(village) ?? zeroFigures()
    for (const figure of ROSTER_FIGURES) {
      if (r[figure] !== h[figure]) out.push({ village, figure, report: r[figure], roster: h[figure] })
    }
  }
  return out
}

/** The roster figures each monitoring category adds to (`addHousehold`). */
const CATEGORY_FIGURES = new Map<string, readonly [RosterFigure, RosterFigure]>(
  (['unstable', 'marginal', 'hardship'] as const).map((k) => [k, [`monitored_${k}_households`, `monitored_${k}_persons`]]),
)

/**
 * A file's per-village roster figures, row by row: a village report's own figures, or a
 * roster's households summed; and where each village's report row is, for roster_mismatch cells.
 */
export class RosterTally {
  readonly figures = new Map<string, VillageRosterFigures>()
  readonly reportRows = new Map<string, { row: number; line: number }>()
  readonly #dataset: DatasetName

  constructor(dataset: DatasetName) {
    this.#dataset = dataset
  }

  add(village: string, values: RowValues, row: number, line: number): void {
    if (this.#dataset === 'village_report') {
      const figures = zeroFigures()
      for (const f of ROSTER_FIGURES) figures[f] = typeof values[f] === 'number' ? values[f] : 0
      this.figures.set(village, figures)
      this.reportRows.set(village, { row, line })
    } else if (this.#dataset === 'monitored_households') {
      let figures = this.figures.get(village)
      if (!figures) this.figures.set(village, (figures = zeroFigures()))
      // addHousehold, with the category's figures looked up rather than their names built per row.
      const category = values['category']
      const keys = typeof category === 'string' ? CATEGORY_FIGURES.get(category) : undefined
      if (!keys) return
      figures[keys[0]] += 1
      figures[keys[1]] += Number(values['household_size'] ?? 0)
      if (values['risk_eliminated'] === true) figures.risk_eliminated_households += 1
    }
  }
}

/**
 * The disagreements as findings, on whichever file arrives second: on the report's row and
 * cell, or, for a roster, naming the village and figure without a row.
 */
export function rosterFindings(dataset: DatasetName, own: RosterTally, other: ReadonlyMap<string, VillageRosterFigures>, locate: Locate): Finding[] {
  const [report, roster] = dataset === 'village_report' ? [own.figures, other] : [other, own.figures]
  return compareRoster(report, roster).map((d) => {
    const input: FindingInput = {
      code: 'roster_mismatch', column: d.figure,
      detail: { zh: `村 ${d.village}：报表为 ${d.report}，名册为 ${d.roster}`, en: `village ${d.village}: the report says ${d.report}, the roster ${d.roster}` },
    }
    const at = dataset === 'village_report' ? own.reportRows.get(d.village) : undefined
    if (at) Object.assign(input, locate(at.row, at.line, d.figure), { value: String(d.report) })
    else input.value = String(d.roster)
    return finding(input)
  })
}
