/** A failing cross-field rule says what to fix: the computed limit (and a unit hint for VR11). */
import { describe, expect, it } from 'vitest'
import { VILLAGE_ROW, villageCsv, villageRow } from '../../support/village-rows.ts'
import { validateText } from './harness.ts'

const covered = ['alleviated_persons', 'monitored_marginal_persons', 'monitored_hardship_persons'].reduce((s, k) => s + Number(VILLAGE_ROW[k]), 0)

describe('rule messages name the limit', () => {
  it('VR10 names the covered population as the limit', async () => {
    const report = await validateText(villageCsv([villageRow({ medical_insured_persons: String(covered + 37) })]))
    expect(report.findings.map((f) => [f.code, f.rule, f.column])).toEqual([['rule', 'VR10', 'medical_insured_persons']])
    expect(report.findings[0]!.message.zh).toContain(`参保人数 ${covered + 37} 超过上限 ${covered}`)
    expect(report.findings[0]!.message.en).toContain(`over the limit ${covered}`)
  })

  it('VR11 a thousand times over hints at yuan typed in a 10k-yuan column', async () => {
    const report = await validateText(villageCsv([villageRow({ linkage_funds_allocated: '58.8', linkage_funds_spent: '243000' })]))
    const vr11 = report.findings.find((f) => f.rule === 'VR11')!
    expect(vr11.message.zh).toContain('衔接资金支出 243000 超过上限 58.8')
    expect(vr11.message.zh).toContain('万元')
    expect(vr11.message.en).toContain('divide it by 10,000')
  })

  it('VR11 slightly over names the limit without a unit hint', async () => {
    const report = await validateText(villageCsv([villageRow({ linkage_funds_allocated: '58.8', linkage_funds_spent: '60' })]))
    expect(report.findings[0]!.message.zh).toContain('超过上限 58.8')
    expect(report.findings[0]!.message.zh).not.toContain('10000')
  })

  it('VR01 names the lower limit', async () => {
    const report = await validateText(villageCsv([villageRow({ population: '5', households: '9', alleviated_households: '0', alleviated_persons: '0', relocated_households: '0', relocated_persons: '0', monitored_unstable_households: '0', monitored_unstable_persons: '0' })]))
    const vr01 = report.findings.find((f) => f.rule === 'VR01')!
    expect(vr01.message.zh).toContain('应不少于 9')
  })
})

describe('a total row', () => {
  it.each(['合计', '总计', '全县小计'])('%s: each error says to delete the total row', async (word) => {
    const total = villageRow({ village_code: '', village_name: word, township_name: '', period: '' })
    const report = await validateText(villageCsv([villageRow(), total]))
    expect(report.findings.length).toBeGreaterThan(0)
    for (const f of report.findings) {
      expect(f.row).toBe(2)
      expect(f.message.zh).toContain('请删除合计、总计或小计行')
      expect(f.message.en).toContain('delete total and subtotal rows')
    }
  })

  it('an ordinary row\'s errors carry no such hint', async () => {
    const report = await validateText(villageCsv([villageRow({ village_name: '' })]))
    expect(report.findings[0]!.message.zh).not.toContain('合计')
  })
})
