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
