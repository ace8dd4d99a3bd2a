import { describe, expect, it } from 'vitest'
import {
  comparePeriods, dayNumber, formatPeriod, isoDate, parsePeriod, previousQuarter, quarterFirstDay, quarterJustEnded, quarterLastDay,
  submissionDeadline, toShanghaiIso, yearEarlier, type Quarter,
} from '../../functions/core/period.ts'

const q = (year: number, quarter: Quarter['quarter']): Quarter => ({ year, quarter })

describe('canonical periods (object keys, CLI flags)', () => {
  it.each([['2024Q2', q(2024, 2)], ['1999Q4', q(1999, 4)]])('%s parses', (text, quarter) => {
    expect(parsePeriod(text)).toEqual(quarter)
    expect(formatPeriod(quarter)).toBe(text)
  })

  // Only YYYYQn: the other spellings are for cells (values.ts), not for keys.
  it.each(['2024q2', '2024-Q2', '2024Q5', '2024Q0', '24Q2', ' 2024Q2', '2024年第2季度'])('%j does not parse', (text) => {
    expect(parsePeriod(text)).toBeUndefined()
  })
})

describe('quarter arithmetic', () => {
  it.each<[Quarter, Quarter, Quarter]>([
    [q(2024, 1), q(2023, 4), q(2023, 1)],
    [q(2024, 3), q(2024, 2), q(2023, 3)],
  ])('%j: previous %j, a year earlier %j', (quarter, previous, earlier) => {
    expect(previousQuarter(quarter)).toEqual(previous)
    expect(yearEarlier(quarter)).toEqual(earlier)
  })

  it.each<[Quarter, string, string]>([
    [q(2024, 1), '2024-01-01', '2024-03-31'],
    [q(2024, 2), '2024-04-01', '2024-06-30'],
    [q(2024, 3), '2024-07-01', '2024-09-30'],
    [q(2024, 4), '2024-10-01', '2024-12-31'],
  ])('%j runs from %s to %s', (quarter, first, last) => {
    expect(isoDate(quarterFirstDay(quarter))).toBe(first)
    expect(isoDate(quarterLastDay(quarter))).toBe(last)
  })

  it('dayNumber counts days since 1970-01-01', () => {
    expect([dayNumber(1970, 1, 1), dayNumber(2020, 1, 1), dayNumber(1969, 12, 31)]).toEqual([0, 18262, -1])
  })

  it('comparePeriods orders by year, then quarter', () => {
    expect([q(2024, 1), q(2023, 4), q(2024, 3)].sort(comparePeriods)).toEqual([q(2023, 4), q(2024, 1), q(2024, 3)])
  })
})

describe('the submission deadline (validation.md, late_submission)', () => {
  it.each<[Quarter, number, string]>([
    [q(2024, 2), 10, '2024-07-11T00:00:00+08:00'],
    [q(2024, 4), 10, '2025-01-11T00:00:00+08:00'],
    [q(2024, 1), 10, '2024-04-11T00:00:00+08:00'],
    [q(2024, 2), 0, '2024-07-01T00:00:00+08:00'],
  ])('%j with %i days: from %s', (quarter, days, iso) => {
    const deadline = submissionDeadline(quarter, days)
    expect(deadline.getTime()).toBe(Date.parse(iso))
    expect(toShanghaiIso(deadline)).toBe(iso)
  })

  it('toShanghaiIso writes the +08:00 wall time', () => {
    expect(toShanghaiIso(new Date('2024-07-10T16:30:05.123Z'))).toBe('2024-07-11T00:30:05+08:00')
  })

  it.each([
    ['2024-07-01T00:00:00+08:00', q(2024, 2)],
    ['2024-06-30T23:59:59+08:00', q(2024, 1)],
    ['2024-01-01T00:00:00+08:00', q(2023, 4)],
    ['2023-12-31T16:00:00Z', q(2023, 4)],
  ])('quarterJustEnded at %s is %j (Asia/Shanghai)', (iso, quarter) => {
    expect(quarterJustEnded(new Date(iso))).toEqual(quarter)
  })
})
