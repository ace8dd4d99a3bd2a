import { describe, expect, it } from 'vitest'
import { ASSISTANCE_MEASURES, MONITORING_CATEGORIES, RISK_CAUSES, type ColumnType } from '../../schemas/datasets.ts'
import type { CellValue } from '../../functions/core/decode/types.ts'
import { dayNumber } from '../../functions/core/period.ts'
import {
  cellText, compileParser, enumLookup, excelSerialToDay, isBlank, normaliseText, parseBool, parseCode, parseDate,
  parseIdNumber, parseNumberText, parsePeriodText, type ParseResult,
} from '../../functions/core/values.ts'
import { BAD_CHECK_ID, VALID_ID } from '../support/village-rows.ts'

/** What a parser said about a cell: the value, or the finding code. */
function outcome(result: ParseResult): { value: unknown } | { code: string } {
  if (result.ok) return { value: result.value }
  expect(result.detail?.zh, 'a failed parse explains itself in Chinese').toBeTruthy()
  expect(result.detail?.en, 'a failed parse explains itself in English').toBeTruthy()
  return { code: result.code }
}

const parse = (type: ColumnType, cell: CellValue, isDate = false) => outcome(compileParser(type)(cell, isDate))

describe('blank cells', () => {
  it.each<[string, CellValue, boolean]>([
    ['null is blank', null, true],
    ['the empty string is blank', '', true],
    ['ASCII spaces only are blank', '   ', true],
    ['a full-width space (U+3000) only is blank', '\u3000', true],
    ['a no-break space and a BOM only are blank', '\u00a0\ufeff', true],
    ['tabs and line breaks only are blank', '\t\r\n', true],
    ['zero is not blank', 0, false],
    ['false is not blank', false, false],
    ['a text with spaces around is not blank', ' 1 ', false],
  ])('%s', (_name, cell, blank) => {
    expect(isBlank(cell)).toBe(blank)
  })
})

describe('text normalisation', () => {
  it.each([
    ['full-width digits become ASCII', '１２３', '123'],
    ['full-width parentheses become ASCII', '（元）', '(元)'],
    ['the Unicode minus sign becomes a hyphen-minus', '\u22123', '-3'],
    ['an en dash becomes a hyphen-minus', '\u20133', '-3'],
    ['spaces and full-width spaces around are trimmed', '\u3000 abc \u00a0', 'abc'],
    ['spaces inside are kept', 'a b', 'a b'],
  ])('%s', (_name, text, expected) => {
    expect(normaliseText(text)).toBe(expected)
  })

  it.each<[string, CellValue, string]>([
    ['null echoes as empty', null, ''],
    ['a number echoes as JavaScript writes it', 12.5, '12.5'],
    ['a boolean echoes as true/false', true, 'true'],
    ['a string echoes exactly, spaces kept', ' 1,234 ', ' 1,234 '],
  ])('cellText: %s', (_name, cell, expected) => {
    expect(cellText(cell)).toBe(expected)
  })
})

describe('numbers as written', () => {
  it.each<[string, string, number | undefined]>([
    ['a plain whole number', '1234', 1234],
    ['thousands separators', '1,234,567', 1234567],
    ['full-width thousands separator and digits', '１，２３４', 1234],
    ['surrounding spaces', '  42  ', 42],
    ['a decimal', '12.50', 12.5],
    ['a leading dot', '.5', 0.5],
    ['a plus sign', '+7', 7],
    ['a minus sign', '-7', -7],
    ['the Unicode minus sign', '\u22127', -7],
    ['scientific notation', '1.5e3', 1500],
    ['scientific notation with a capital E and a sign', '2E+2', 200],
    ['misplaced separators are not a number', '12,34', undefined],
    ['a space inside is not a number', '1 234', undefined],
    ['Chinese numerals are not a number', '一千六百', undefined],
    ['a unit after the number is not a number', '100元', undefined],
    ['a percentage is not a number', '50%', undefined],
    ['an overflowing exponent is not a finite number', '1e999', undefined],
    ['hexadecimal is not a number', '0x10', undefined],
  ])('parseNumberText: %s', (_name, text, expected) => {
    expect(parseNumberText(text)).toBe(expected)
  })
})

describe('int columns (≥ 0 unless stated)', () => {
  const int0: ColumnType = { kind: 'int', min: 0 }
  const int1: ColumnType = { kind: 'int', min: 1 }
  const size: ColumnType = { kind: 'int', min: 1, max: 20 }

  it.each<[string, ColumnType, CellValue, { value: unknown } | { code: string }]>([
    ['a whole number is accepted', int0, '512', { value: 512 }],
    ['thousands separators are accepted', int0, '1,234', { value: 1234 }],
    ['surrounding spaces are accepted', int0, ' 7 ', { value: 7 }],
    ['full-width digits are accepted', int0, '１２', { value: 12 }],
    ['scientific notation that is whole is accepted', int0, '1.2e3', { value: 1200 }],
    ['a decimal with zero fraction is whole', int0, '3.0', { value: 3 }],
    ['a numeric cell (XLSX/JSON) is accepted', int0, 42, { value: 42 }],
    ['0 is accepted when the minimum is 0', int0, '0', { value: 0 }],
    ['-0 is read as 0', int0, '-0', { value: 0 }],
    ['a negative number is range, not type', int0, '-3', { code: 'range' }],
    ['a negative numeric cell is range', int0, -1, { code: 'range' }],
    ['a negative fraction is range (out of bounds before non-whole)', int0, '-1.5', { code: 'range' }],
    ['a fraction is type', int0, '1.5', { code: 'type' }],
    ['a fractional numeric cell is type', int0, 2.25, { code: 'type' }],
    ['scientific notation that is not whole is type', int0, '1.5e-1', { code: 'type' }],
    ['0 is range when the minimum is 1', int1, '0', { code: 'range' }],
    ['above the maximum is range', size, '21', { code: 'range' }],
    ['the maximum itself is accepted', size, '20', { value: 20 }],
    ['beyond 2^53 (not exactly representable) is range', int0, '99999999999999999999', { code: 'range' }],
    ['words are type', int0, '一千六百', { code: 'type' }],
    ['a boolean cell is type', int0, true, { code: 'type' }],
    ['text after the number is type', int0, '12户', { code: 'type' }],
  ])('%s', (_name, type, cell, expected) => {
    expect(parse(type, cell)).toEqual(expected)
  })
})

describe('num columns (money, income ≤ 200000)', () => {
  const income: ColumnType = { kind: 'num', min: 0, max: 200000 }
  const money: ColumnType = { kind: 'num', min: 0 }

  it.each<[string, ColumnType, CellValue, { value: unknown } | { code: string }]>([
    ['a decimal is accepted', income, '7120.5', { value: 7120.5 }],
    ['thousands separators with a decimal are accepted', money, '61,000.25', { value: 61000.25 }],
    ['scientific notation is accepted', money, '1.25E4', { value: 12500 }],
    ['the upper bound 200000 is accepted', income, '200000', { value: 200000 }],
    ['just over 200000 is range', income, '200000.01', { code: 'range' }],
    ['200,001 is range', income, '200,001', { code: 'range' }],
    ['negative money is range', money, '-0.5', { code: 'range' }],
    ['no upper bound without one in the contract', money, '123456789.5', { value: 123456789.5 }],
    ['a numeric cell is accepted', money, 102.5, { value: 102.5 }],
    ['words are type', money, '六万', { code: 'type' }],
    ['an empty-looking dash is type', money, '-', { code: 'type' }],
  ])('%s', (_name, type, cell, expected) => {
    expect(parse(type, cell)).toEqual(expected)
  })
})

describe('bool columns: 是/否, Y/N, yes/no, true/false, 1/0, any case', () => {
  const bool: ColumnType = { kind: 'bool' }
  it.each<[CellValue, boolean]>([
    ['是', true], ['否', false],
    ['Y', true], ['n', false], ['y', true], ['N', false],
    ['yes', true], ['NO', false], ['Yes', true], ['No', false],
    ['true', true], ['FALSE', false], ['True', true],
    ['1', true], ['0', false],
    [' 是 ', true], ['Ｙ', true],
    [1, true], [0, false], [true, true], [false, false],
  ])('%j is %s', (cell, expected) => {
    expect(parse(bool, cell)).toEqual({ value: expected })
    expect(parseBool(cell)).toBe(expected)
  })

  it.each<CellValue>(['有', '2', 'ok', '是的', 'T', 2, 0.5])('%j is type', (cell) => {
    expect(parse(bool, cell)).toEqual({ code: 'type' })
  })
})

describe('periods', () => {
  const period: ColumnType = { kind: 'period' }
  it.each([
    ['2024Q2', '2024Q2'],
    ['2024q2', '2024Q2'],
    ['2024-Q2', '2024Q2'],
    ['2024 Q2', '2024Q2'],
    ['2024年第2季度', '2024Q2'],
    ['2024年第二季度', '2024Q2'],
    ['2024年2季度', '2024Q2'],
    ['２０２４Ｑ２', '2024Q2'],
    [' 2023Q4 ', '2023Q4'],
  ])('%j is %s', (text, expected) => {
    expect(parse(period, text)).toEqual({ value: expected })
    expect(parsePeriodText(text)).toBe(expected)
  })

  it.each<CellValue>(['2024Q5', '2024Q0', 'Q2 2024', '24Q2', '2024-06', '2024年第5季度', '2024/Q2', 20242])('%j is format', (cell) => {
    expect(parse(period, cell)).toEqual({ code: 'format' })
  })
})

describe('statistical codes', () => {
  const code12: ColumnType = { kind: 'code', lengths: [12] }
  const registryCode: ColumnType = { kind: 'code', lengths: [2, 4, 6, 9, 12] }
  it.each<[string, ColumnType, CellValue, { value: unknown } | { code: string }]>([
    ['12 digits are accepted', code12, '522226101203', { value: '522226101203' }],
    ['spaces around are trimmed', code12, ' 522226101203 ', { value: '522226101203' }],
    ['full-width digits are accepted', code12, '５２２２２６１０１２０３', { value: '522226101203' }],
    ['a whole numeric XLSX cell of 12 digits is accepted', code12, 522226101203, { value: '522226101203' }],
    ['11 digits are format', code12, '52222610120', { code: 'format' }],
    ['13 digits are format', code12, '5222261012031', { code: 'format' }],
    ['a letter is format', code12, '52222610120A', { code: 'format' }],
    ['a numeric cell with a fraction is format', code12, 522226101203.5, { code: 'format' }],
    ['a numeric cell of 11 digits is format', code12, 52222610120, { code: 'format' }],
    ['a negative numeric cell is format', code12, -522226101203, { code: 'format' }],
    ['Excel\'s scientific text is format', code12, '5.22226E+11', { code: 'format' }],
    ['a boolean is format', code12, true, { code: 'format' }],
    ['a 2-digit province code is accepted in the registry', registryCode, '52', { value: '52' }],
    ['a 9-digit township code is accepted in the registry', registryCode, '522226101', { value: '522226101' }],
    ['a 3-digit code is format in the registry', registryCode, '522', { code: 'format' }],
  ])('%s', (_name, type, cell, expected) => {
    expect(parse(type, cell)).toEqual(expected)
  })

  it('parseCode keeps leading zeros of a text cell', () => {
    expect(parseCode('012345678901', [12])).toBe('012345678901')
  })
})

describe('dates', () => {
  const date: ColumnType = { kind: 'date' }
  const day = (y: number, m: number, d: number) => dayNumber(y, m, d)

  it.each<[string, CellValue, number]>([
    ['ISO 2024-03-05', '2024-03-05', day(2024, 3, 5)],
    ['slashes without padding 2024/3/5', '2024/3/5', day(2024, 3, 5)],
    ['Chinese 2024年3月5日', '2024年3月5日', day(2024, 3, 5)],
    ['dots 2024.3.5', '2024.3.5', day(2024, 3, 5)],
    ['a midnight time as Excel exports it', '2024/3/5 0:00', day(2024, 3, 5)],
    ['29 February of a leap year', '2024-02-29', day(2024, 2, 29)],
    ['full-width digits', '２０２４－０３－０５', day(2024, 3, 5)],
    ['an Excel serial: 45356 is 2024-03-05', 45356, day(2024, 3, 5)],
    ['Excel serial 1 is 1900-01-01', 1, day(1900, 1, 1)],
    ['Excel serial 59 is 1900-02-28', 59, day(1900, 2, 28)],
    ['Excel serial 61 is 1900-03-01 (after the phantom 1900-02-29)', 61, day(1900, 3, 1)],
    ['a serial with a time of day is its day', 45356.75, day(2024, 3, 5)],
  ])('%s', (_name, cell, expected) => {
    expect(parse(date, cell)).toEqual({ value: expected })
    expect(parse(date, cell, true)).toEqual({ value: expected })
  })

  it.each<[string, CellValue]>([
    ['month 13 and day 45 (2024-13-45), never rolled over', '2024-13-45'],
    ['30 February (2023-02-30), never rolled over', '2023-02-30'],
    ['29 February of a common year', '2023-02-29'],
    ['31 April', '2024年4月31日'],
    ['day 0', '2024-03-00'],
    ['Excel serial 60, the phantom 1900-02-29', 60],
    ['Excel serial 0', 0],
    ['a negative serial', -5],
    ['a serial past 9999-12-31', 2_958_466],
    ['a time that is not midnight', '2024-03-05 10:30'],
    ['a two-digit year', '24-3-5'],
    ['day-month-year order', '05/03/2024'],
    ['a serial written as text in CSV', '45356'],
    ['a boolean', true],
  ])('%s is type', (_name, cell) => {
    expect(parse(date, cell)).toEqual({ code: 'type' })
  })

  it('excelSerialToDay and parseDate agree on numeric cells', () => {
    expect(parseDate(61)).toBe(excelSerialToDay(61))
    expect(excelSerialToDay(60)).toBeUndefined()
  })
})

describe('enums', () => {
  const category: ColumnType = { kind: 'enum', values: MONITORING_CATEGORIES }
  it.each<[CellValue, string]>([
    ['脱贫不稳定户', 'unstable'],
    ['边缘易致贫户', 'marginal'],
    ['突发严重困难户', 'hardship'],
    ['hardship', 'hardship'],
    ['Marginal', 'marginal'],
    ['UNSTABLE', 'unstable'],
    [' 边缘易致贫户 ', 'marginal'],
  ])('%j is %s', (cell, expected) => {
    expect(parse(category, cell)).toEqual({ value: expected })
  })

  it.each<CellValue>(['贫困户', 'poor', '边缘户', 1, true])('%j is enum', (cell) => {
    expect(parse(category, cell)).toEqual({ code: 'enum' })
  })

  it('enumLookup maps Chinese and English words, English in any case', () => {
    const lookup = enumLookup(RISK_CAUSES)
    expect([lookup('因病'), lookup('Illness'), lookup('因务工就业不稳'), lookup('疾病')]).toEqual(['illness', 'illness', 'unstable_employment', undefined])
  })
})

describe('enum lists', () => {
  const causes: ColumnType = { kind: 'enumList', values: RISK_CAUSES }
  const measures: ColumnType = { kind: 'enumList', values: ASSISTANCE_MEASURES }

  it.each([
    ['the enumeration comma 、', '因病、因学'],
    ['an ASCII comma', '因病,因学'],
    ['a full-width comma ，', '因病，因学'],
    ['an ASCII semicolon', '因病;因学'],
    ['a full-width semicolon ；', '因病；因学'],
    ['a space', '因病 因学'],
    ['a full-width space', '因病\u3000因学'],
    ['a separator with spaces around', '因病 、 因学'],
    ['English words in any case', 'Illness,EDUCATION'],
    ['a trailing separator', '因病、因学、'],
  ])('separated by %s', (_name, text) => {
    expect(parse(causes, text)).toEqual({ value: 'illness,education' })
  })

  it.each<[string, string, string]>([
    ['a single word', '因灾', 'disaster'],
    ['a repeated word is kept once', '因病、illness', 'illness'],
    ['words keep the order written', '其他;因残', 'other,disability'],
  ])('%s', (_name, text, expected) => {
    expect(parse(causes, text)).toEqual({ value: expected })
  })

  it.each([
    ['one unknown word among known ones', '因病、因穷'],
    ['only separators', '、，;'],
    ['a word of another list', '产业帮扶'],
  ])('%s is enum', (_name, text) => {
    expect(parse(causes, text)).toEqual({ code: 'enum' })
  })

  it('assistance measures map to their English keys', () => {
    expect(parse(measures, '产业帮扶、公益岗位、综合保障')).toEqual({ value: 'industry,public_post,social_security' })
  })
})

describe('resident ID numbers (GB 11643)', () => {
  const id: ColumnType = { kind: 'idNumber' }
  it.each<[string, CellValue, { value: unknown } | { code: string }]>([
    ['a valid number', VALID_ID, { value: VALID_ID }],
    ['a valid number whose check character is X', '11010519491231002X', { value: '11010519491231002X' }],
    ['a lower-case x is read as X', '11010519491231002x', { value: '11010519491231002X' }],
    ['spaces around are trimmed', ` ${VALID_ID} `, { value: VALID_ID }],
    ['a wrong check digit is format', BAD_CHECK_ID, { code: 'format' }],
    ['X where a digit is due is format', '52222619800101123X', { code: 'format' }],
    ['17 characters are format', VALID_ID.slice(0, 17), { code: 'format' }],
    ['the 15-digit old format is format', '522226800101123', { code: 'format' }],
    // eslint-disable-next-line no-loss-of-precision -- the point of the case: 18 digits do not survive a double
    ['a numeric cell is format (18 digits do not survive a double)', 522226198001011233, { code: 'format' }],
  ])('%s', (_name, cell, expected) => {
    expect(parse(id, cell)).toEqual(expected)
  })

  it('parseIdNumber returns the normalised number', () => {
    expect(parseIdNumber('11010519491231002x')).toBe('11010519491231002X')
  })
})

describe('text columns', () => {
  const name: ColumnType = { kind: 'text', min: 1, max: 50 }
  const householdId: ColumnType = { kind: 'text', min: 1, max: 32, pattern: /^[0-9A-Za-z-]+$/, patternText: '0-9 A-Z a-z -' }
  it.each<[string, ColumnType, CellValue, { value: unknown } | { code: string }]>([
    ['a name is trimmed', name, ' 坪坝村 ', { value: '坪坝村' }],
    ['50 characters are accepted', name, '村'.repeat(50), { value: '村'.repeat(50) }],
    ['51 characters are range', name, '村'.repeat(51), { code: 'range' }],
    ['length counts characters, not UTF-16 units', name, '𠀀'.repeat(50), { value: '𠀀'.repeat(50) }],
    ['a household id with a hyphen', householdId, 'H-0001', { value: 'H-0001' }],
    ['a numeric household id cell becomes its digits', householdId, 1234, { value: '1234' }],
    ['a household id with a slash is format', householdId, 'H/0001', { code: 'format' }],
    ['a household id over 32 characters is range', householdId, 'A'.repeat(33), { code: 'range' }],
  ])('%s', (_name, type, cell, expected) => {
    expect(parse(type, cell)).toEqual(expected)
  })
})
