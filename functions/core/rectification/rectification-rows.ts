import { isOverdue, type RectificationItem } from './rectification-item.ts'

/** One item as a row of the `rectifications` table (schemas/rectification-columns.ts), as of `at`. */
export function rectificationRow(item: RectificationItem, at: Date): Record<string, string | number | boolean | null> {
  const first = item.history[0]
  const last = item.history.at(-1)
  return {
    item_id: item.item_id,
    county: item.county,
    city: item.county.slice(0, 4),
    province: item.county.slice(0, 2),
    source: item.source,
    problem: item.problem,
    opened_in: item.opened_in,
    indicator: item.indicator ?? null,
    villages: item.villages?.join(',') ?? null,
    title: item.title ?? null,
    due: item.due,
    status: item.status,
    recurring: item.recurring,
    overdue: isOverdue(item, at),
    opened_at: first?.at ?? null,
    last_change_at: last?.at ?? null,
    last_action: last?.action ?? null,
    history_entries: item.history.length,
  }
}
