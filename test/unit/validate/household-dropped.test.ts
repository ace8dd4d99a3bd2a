/**
 * household_dropped (contract/validation.md): a household at risk on the county's latest
 * earlier accepted roster, absent from this one, is one warning with its id and no row.
 */
import { describe, expect, it } from 'vitest'
import { rosterCsv, rosterRow, villageCsv, villageRow } from '../../support/village-rows.ts'
import { bareFindings, validateText } from './harness.ts'

describe('household_dropped', () => {
  it('one warning per household at risk on the earlier roster and absent here, by id, no row', async () => {
    const report = await validateText(rosterCsv([rosterRow({ household_id: 'H-0001' })]), {
      earlierRoster: async () => ({ period: '2024Q1', atRisk: ['H-0009', 'H-0001', 'H-0003'] }),
    })
    expect(bareFindings(report)).toEqual([
      { severity: 'warning', code: 'household_dropped', column: 'household_id', value: 'H-0003' },
      { severity: 'warning', code: 'household_dropped', column: 'household_id', value: 'H-0009' },
    ])
    expect(report.findings[0]!.message.zh).toContain('2024Q1')
    expect(report.status).toBe('accepted')
  })

  it('no finding when every household at risk is still on the roster', async () => {
    const report = await validateText(rosterCsv([rosterRow({ household_id: 'H-0001' }), rosterRow({ household_id: 'H-0002' })]), {
      earlierRoster: async () => ({ period: '2024Q1', atRisk: ['H-0001', 'H-0002'] }),
    })
    expect(report.findings).toEqual([])
  })

  it('skipped when there is no earlier roster', async () => {
    const report = await validateText(rosterCsv([rosterRow()]), { earlierRoster: async () => undefined })
    expect(report.findings).toEqual([])
  })

  it('a village report does not ask for the earlier roster', async () => {
    let asked = false
    const report = await validateText(villageCsv([villageRow()]), { earlierRoster: async () => { asked = true; return { period: '2024Q1', atRisk: ['X'] } } })
    expect([asked, report.findings]).toEqual([false, []])
  })
})
