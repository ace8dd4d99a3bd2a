/**
 * id_number_misplaced (contract/validation.md): a resident ID number in any cell but
 * head_id_number is an error reported by row, column and cell, never echoed.
 */
import { describe, expect, it } from 'vitest'
import { holdsMisplacedId, shanghaiDate } from '../../../functions/core/id-number.ts'
import { VALID_ID, rosterCsv, rosterRow, villageCsv, villageRow } from '../../support/village-rows.ts'
import { bareFindings, validateText } from './harness.ts'

const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
/** The 17 digits with their GB 11643 check character. */
const withCheck = (body: string) => body + '10X98765432'[[...body].reduce((sum, c, i) => sum + Number(c) * WEIGHTS[i]!, 0) % 11]!

const RECEIVED = 20240705

describe('holdsMisplacedId', () => {
  it.each([
    ['a valid ID', VALID_ID, true],
    ['a valid ID with spaces around', `  ${VALID_ID} `, true],
    ['between non-digits', `张三${VALID_ID}号`, true],
    ['in full-width digits', VALID_ID.replace(/\d/g, (d) => String.fromCharCode(0xff10 + Number(d))), true],
    ['final lower-case x', withCheck('11010519491231002').toLowerCase(), true],
    ['a wrong check digit', '522226198001011234', false],
    ['inside a longer run of digits', `9${VALID_ID}`, false],
    ['followed by a digit', `${VALID_ID}7`, false],
    ['province 99', withCheck('99222619800101123'), false],
    ['province 10', withCheck('10222619800101123'), false],
    ['a date that does not exist (1980-02-30)', withCheck('52222619800230123'), false],
    ['born before 1900', withCheck('52222618991231123'), false],
    ['born 1900-01-01', withCheck('52222619000101123'), true],
    ['born on the day received', withCheck('52222620240705123'), true],
    ['born the day after the day received', withCheck('52222620240706123'), false],
    ['17 digits', VALID_ID.slice(0, 17), false],
  ])('%s', (_name, text, expected) => {
    expect(holdsMisplacedId(text, RECEIVED)).toBe(expected)
  })

  it('takes the day received in +08:00', () => {
    expect(shanghaiDate(new Date('2024-07-04T16:00:00Z'))).toBe(20240705)
    expect(shanghaiDate(new Date('2024-07-04T15:59:59Z'))).toBe(20240704)
  })
})

describe('id_number_misplaced in files', () => {
  it('an ID number in 户编号 is one error by row, column and cell, with no other finding on that cell', async () => {
    const report = await validateText(rosterCsv([rosterRow(), rosterRow({ household_id: VALID_ID })]))
    expect(bareFindings(report)).toEqual([{ severity: 'error', code: 'id_number_misplaced', row: 2, column: 'household_id', cell: 'C3' }])
    expect(report.status).toBe('rejected')
    expect(JSON.stringify(report)).not.toContain(VALID_ID)
  })

  it('an ID number in a name of the village report, between words', async () => {
    const report = await validateText(villageCsv([villageRow({ village_name: `联系人${VALID_ID}` })]))
    expect(bareFindings(report)).toEqual([{ severity: 'error', code: 'id_number_misplaced', row: 1, column: 'village_name', cell: 'C2' }])
    expect(JSON.stringify(report)).not.toContain(VALID_ID)
  })

  it('an ID number in a number column gets no type finding', async () => {
    const report = await validateText(villageCsv([villageRow({ population: VALID_ID })]))
    expect(bareFindings(report)).toEqual([{ severity: 'error', code: 'id_number_misplaced', row: 1, column: 'population', cell: 'H2' }])
  })

  it('an ID number in an unknown column names the column by its header as written', async () => {
    const report = await validateText(villageCsv([villageRow()], { extra: [['联系人身份证', VALID_ID]] }))
    expect(bareFindings(report)).toEqual([
      { severity: 'warning', code: 'unknown_column', header: '联系人身份证', cell: 'AK1' },
      { severity: 'error', code: 'id_number_misplaced', row: 1, column: '联系人身份证', cell: 'AK2' },
    ])
  })

  it('the ID number in 户主身份证号 is where it belongs: no finding', async () => {
    const report = await validateText(rosterCsv([rosterRow({ head_id_number: VALID_ID })]))
    expect(report.findings).toEqual([])
  })

  it('a number that fails the check digit is not an ID number: 户编号 takes it', async () => {
    const report = await validateText(rosterCsv([rosterRow({ household_id: '522226198001011234' })]))
    expect(report.findings).toEqual([])
  })
})
