import { describe, expect, it } from 'vitest'
import { finding, holdsIdNumber } from '../../functions/core/findings.ts'

// 11010519491231002X has a valid GB 11643 check digit; 110105194912310021 does not.
describe('a personal ID number is never echoed in a finding', () => {
  it.each([
    ['11010519491231002X', true],
    ['11010519491231002x', true],
    ['户主 11010519491231002X 张三', true],
    ['１１０１０５１９４９１２３１００２Ｘ', true],
    ['110105194912310021', false],
    ['511921105203', false],
  ])('holdsIdNumber(%s) is %s', (text, expected) => {
    expect(holdsIdNumber(text)).toBe(expected)
  })

  it('drops the value of a finding on any column when the value holds a valid ID number', () => {
    const f = finding({ code: 'range', row: 3, column: 'population', header: '总人口', cell: 'H4', value: '11010519491231002X' })
    expect(f).toEqual({ severity: 'error', code: 'range', row: 3, column: 'population', header: '总人口', cell: 'H4', message: f.message })
    expect(JSON.stringify(f)).not.toContain('11010519491231002X')
  })

  it('drops a header that holds a valid ID number (a data row misread as the header)', () => {
    const f = finding({ code: 'unknown_column', header: '11010519491231002X', cell: 'D1' })
    expect(f.header).toBeUndefined()
    expect(JSON.stringify(f)).not.toContain('11010519491231002X')
  })

  it('keeps values that only look like long numbers', () => {
    expect(finding({ code: 'type', row: 1, column: 'households', value: '110105194912310021' }).value).toBe('110105194912310021')
  })
})
