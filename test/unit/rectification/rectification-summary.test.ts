import { describe, expect, it } from 'vitest'
import type { RectificationItem } from '../../../functions/core/rectification/rectification-item.ts'
import { summariseRectification } from '../../../functions/core/rectification/rectification-summary.ts'

// The report's rectification section per county (rectification.md): open, overdue and recurring
// as of the report; closed from the quarter's first day (Asia/Shanghai) to the report.

const Q3 = { year: 2024, quarter: 3 } as const
/** The 2024Q3 report, made when 2024Q3 is published. */
const NOW = new Date('2024-10-15T02:00:00Z')

let n = 0
function item(county: string, status: RectificationItem['status'], extra: Partial<RectificationItem> = {}): RectificationItem {
  return {
    item_id: `${county}-${String(++n).padStart(12, '0')}`, county, source: 'red_flag', problem: 'red_flag', opened_in: '2024Q2',
    due: '2024-09-30', status, recurring: false, history: [{ at: '2024-07-15T02:00:00Z', by: 'aggregate', action: 'opened' }], ...extra,
  }
}
const closedAt = (at: string) => ({ history: [{ at: '2024-07-15T02:00:00Z', by: 'aggregate', action: 'opened' as const }, { at, by: 'city-5201', action: 'closed' as const }] })

describe('summariseRectification', () => {
  it('counts open, overdue, recurring and closed this quarter per county, and leaves withdrawn items and idle counties out', () => {
    const items = [
      item('520102', 'open', { recurring: true }),
      item('520102', 'responded', { due: '2024-12-31' }),
      item('520102', 'closed', closedAt('2024-09-01T08:00:00Z')),
      item('520103', 'withdrawn'),
      item('520103', 'closed', closedAt('2024-06-30T15:59:59Z')),
      item('520111', 'closed', closedAt('2024-06-30T16:00:00Z')),
    ]
    expect(summariseRectification(items, Q3, NOW)).toEqual([
      { county: '520102', open: 2, overdue: 1, recurring: 1, closed_this_quarter: 1 },
      // Closed at 2024-07-01T00:00+08:00 exactly: the quarter's first moment counts.
      { county: '520111', open: 0, overdue: 0, recurring: 0, closed_this_quarter: 1 },
    ])
  })

  it('is overdue from 00:00 the day after the due day, Beijing time', () => {
    const due = [item('520102', 'open', { due: '2024-10-14' })]
    expect(summariseRectification(due, Q3, new Date('2024-10-14T15:59:59Z'))[0]!.overdue).toBe(0)
    expect(summariseRectification(due, Q3, new Date('2024-10-14T16:00:00Z'))[0]!.overdue).toBe(1)
  })
})
