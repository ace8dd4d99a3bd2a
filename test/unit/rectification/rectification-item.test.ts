import { describe, expect, it } from 'vitest'
import {
  automaticItemId, defaultDue, isOverdue, openInspection, transition,
  type ActorClaims, type ItemAction, type ItemStatus, type RectificationItem, type RefusalCode,
} from '../../../functions/core/rectification/rectification-item.ts'

const AT = new Date('2024-08-01T02:00:00Z')

const clerk: ActorClaims = { subject: 'clerk-522226', county: '522226', admin: false }
const otherClerk: ActorClaims = { subject: 'clerk-522229', county: '522229', admin: false }
const cityOfficial: ActorClaims = { subject: 'city-5222', city: '5222', admin: false }
const otherCity: ActorClaims = { subject: 'city-5223', city: '5223', admin: false }
const provinceAdmin: ActorClaims = { subject: 'admin-52', province: '52', admin: true }
const provinceNotAdmin: ActorClaims = { subject: 'viewer-52', province: '52', admin: false }
const otherProvinceAdmin: ActorClaims = { subject: 'admin-53', province: '53', admin: true }

function item(status: ItemStatus, source: RectificationItem['source'] = 'data_quality'): RectificationItem {
  return {
    item_id: '522226-abc', county: '522226', source, problem: source === 'inspection' ? 'inspection' : source === 'red_flag' ? 'red_flag' : 'late',
    opened_in: '2024Q2', due: '2024-09-30', status, recurring: false, history: [{ at: '2024-07-15T00:00:00.000Z', by: 'alice', action: 'opened' }],
  }
}

const respond: ItemAction = { kind: 'respond', text: '已整改', file: 'rectification/522226/522226-abc/evidence.pdf' }
const close: ItemAction = { kind: 'close' }
const reopen: ItemAction = { kind: 'reopen', reason: '证据不足' }

type Row = [string, ItemStatus, RectificationItem['source'], ItemAction, ActorClaims, ItemStatus | RefusalCode]

// Every transition of portal.md's roles, allowed and refused: the last column is the new status or the refusal.
const TABLE: Row[] = [
  ['clerk responds to an open item', 'open', 'data_quality', respond, clerk, 'responded'],
  ['clerk responds again with more evidence', 'responded', 'data_quality', respond, clerk, 'responded'],
  ['clerk responds to a red flag', 'open', 'red_flag', respond, clerk, 'responded'],
  ['clerk cannot respond to a closed item', 'closed', 'data_quality', respond, clerk, 'wrong_status'],
  ['clerk cannot respond to a withdrawn item', 'withdrawn', 'data_quality', respond, clerk, 'wrong_status'],
  ['clerk of another county cannot respond', 'open', 'data_quality', respond, otherClerk, 'not_allowed'],
  ['city official cannot respond (only clerks do)', 'open', 'data_quality', respond, cityOfficial, 'not_allowed'],
  ['city official of another city cannot respond', 'open', 'data_quality', respond, otherCity, 'not_allowed'],
  ['province admin cannot respond', 'open', 'inspection', respond, provinceAdmin, 'not_allowed'],
  ['empty response text', 'open', 'data_quality', { kind: 'respond', text: '  ' }, clerk, 'text_required'],

  ['city official closes a responded item', 'responded', 'data_quality', close, cityOfficial, 'closed'],
  ['province admin closes a responded inspection', 'responded', 'inspection', close, provinceAdmin, 'closed'],
  ['nobody closes an already closed item', 'closed', 'inspection', close, provinceAdmin, 'wrong_status'],
  ['an open item (no response) cannot be closed', 'open', 'inspection', close, cityOfficial, 'wrong_status'],
  ['a withdrawn item cannot be closed', 'withdrawn', 'data_quality', close, cityOfficial, 'wrong_status'],
  ['a red flag closes only by looking back', 'responded', 'red_flag', close, provinceAdmin, 'closes_by_look_back'],
  ['a clerk cannot verify (close)', 'responded', 'data_quality', close, clerk, 'not_allowed'],
  ['an official of another city cannot verify', 'responded', 'data_quality', close, otherCity, 'not_allowed'],
  ['a province claim without admin cannot verify', 'responded', 'data_quality', close, provinceNotAdmin, 'not_allowed'],
  ['an admin of another province cannot verify', 'responded', 'data_quality', close, otherProvinceAdmin, 'not_allowed'],

  ['city official reopens a responded item', 'responded', 'data_quality', reopen, cityOfficial, 'open'],
  ['province admin reopens a closed item', 'closed', 'inspection', reopen, provinceAdmin, 'open'],
  ['a red flag response can be rejected', 'responded', 'red_flag', reopen, cityOfficial, 'open'],
  ['an open item cannot be reopened', 'open', 'inspection', reopen, cityOfficial, 'wrong_status'],
  ['a withdrawn item cannot be reopened', 'withdrawn', 'data_quality', reopen, provinceAdmin, 'wrong_status'],
  ['reopening needs a reason', 'responded', 'inspection', { kind: 'reopen', reason: ' ' }, cityOfficial, 'reason_required'],
  ['a clerk cannot verify (reopen)', 'closed', 'inspection', reopen, clerk, 'not_allowed'],
  ['an official of another city cannot reopen', 'closed', 'inspection', reopen, otherCity, 'not_allowed'],
]

describe('transition', () => {
  it.each(TABLE)('%s', (_name, status, source, action, actor, expected) => {
    const before = item(status, source)
    const out = transition(before, action, actor, AT)
    if (out.ok) {
      expect(out.item.status).toBe(expected)
      expect(out.item.history).toHaveLength(before.history.length + 1)
      const entry = out.item.history.at(-1)!
      expect(entry).toMatchObject({ at: AT.toISOString(), by: actor.subject })
      if (action.kind === 'respond') expect(entry).toEqual({ at: AT.toISOString(), by: actor.subject, action: 'responded', text: action.text, ...(action.file ? { file: action.file } : {}) })
      if (action.kind === 'reopen') expect(entry).toEqual({ at: AT.toISOString(), by: actor.subject, action: 'reopened', reason: action.reason })
      if (action.kind === 'close') expect(entry).toEqual({ at: AT.toISOString(), by: actor.subject, action: 'closed' })
    } else {
      expect(out.code).toBe(expected)
      expect(out.reason).not.toBe('')
    }
    // The item given is never changed.
    expect(before).toEqual(item(status, source))
  })
})

describe('openInspection', () => {
  it.each([
    ['city official of the county\'s city', cityOfficial, true],
    ['province admin', provinceAdmin, true],
    ['clerk', clerk, false],
    ['official of another city', otherCity, false],
    ['province claim without admin', provinceNotAdmin, false],
    ['admin of another province', otherProvinceAdmin, false],
  ] as const)('%s: allowed %s', (_name, actor, allowed) => {
    const out = openInspection({ county: '522226', title: '走访发现危房未改造' }, actor, AT)
    expect(out.ok).toBe(allowed)
    if (out.ok) {
      expect(out.item).toMatchObject({ county: '522226', source: 'inspection', problem: 'inspection', opened_in: '2024Q3', due: '2024-12-31', status: 'open', recurring: false })
      expect(out.item.item_id).toMatch(/^522226-[0-9a-f]{12}$/)
      expect(out.item.history).toEqual([{ at: AT.toISOString(), by: actor.subject, action: 'opened' }])
    } else expect(out.code).toBe('not_allowed')
  })

  it('takes an official\'s due day, and refuses one that is not a day', () => {
    const ok = openInspection({ county: '522226', title: 't', due: '2024-08-15' }, cityOfficial, AT)
    expect(ok.ok && ok.item.due).toBe('2024-08-15')
    expect(openInspection({ county: '522226', title: 't', due: '2024-02-30' }, cityOfficial, AT)).toMatchObject({ ok: false, code: 'text_required' })
  })

  it('the quarter is Asia/Shanghai\'s: 2024-06-30T16:00Z is already 2024Q3', () => {
    const out = openInspection({ county: '522226', title: 't' }, cityOfficial, new Date('2024-06-30T16:00:00Z'))
    expect(out.ok && out.item.opened_in).toBe('2024Q3')
  })
})

describe('due and overdue', () => {
  it.each([['2024Q1', '2024-06-30'], ['2024Q2', '2024-09-30'], ['2024Q3', '2024-12-31'], ['2024Q4', '2025-03-31']])('opened in %s: due %s', (q, due) => {
    expect(defaultDue(q)).toBe(due)
  })

  it.each([
    ['the due day, last second (+08:00)', '2024-09-30T15:59:59.999Z', 'open', false],
    ['00:00 the next day (+08:00)', '2024-09-30T16:00:00.000Z', 'open', true],
    ['responded counts as not closed', '2024-10-05T00:00:00Z', 'responded', true],
    ['closed is never overdue', '2024-10-05T00:00:00Z', 'closed', false],
    ['withdrawn is never overdue', '2024-10-05T00:00:00Z', 'withdrawn', false],
  ] as const)('%s', (_name, now, status, overdue) => {
    expect(isOverdue(item(status), new Date(now))).toBe(overdue)
  })
})

describe('automaticItemId', () => {
  it('is the identity (county, opened_in, problem, indicator), hashed, behind the county', () => {
    const id = automaticItemId('522226', '2024Q2', 'red_flag', 'dropouts')
    expect(id).toMatch(/^522226-[0-9a-f]{12}$/)
    expect(automaticItemId('522226', '2024Q2', 'red_flag', 'dropouts')).toBe(id)
    expect(new Set([
      id,
      automaticItemId('522226', '2024Q3', 'red_flag', 'dropouts'),
      automaticItemId('522226', '2024Q2', 'red_flag', 'unsafe_houses'),
      automaticItemId('522226', '2024Q2', 'no_data', 'dropouts'),
      automaticItemId('522227', '2024Q2', 'red_flag', 'dropouts'),
    ]).size).toBe(5)
  })
})
