import { readFileSync } from 'node:fs'
import { parse } from 'csv-parse/sync'
import ExcelJS from 'exceljs'

const CONTRACT_CSV = new URL('../fixtures/contract/tongjiang_2023Q2_village_report.csv', import.meta.url)
/** The contract example's county and quarter. */
export const CONTRACT_COUNTY = '511921'
export const CONTRACT_PERIOD = '2023Q2'

/**
 * The contract's example village report (with its planted mistakes) as a county saves it from
 * Excel: an XLSX, short numbers as numbers, codes as text.
 */
export async function badVillageReportXlsx(): Promise<Uint8Array> {
  return xlsxFromCsv(readFileSync(CONTRACT_CSV, 'utf8'))
}

/** A CSV as a county saves it from Excel: an XLSX, short numbers as numbers, codes as text. */
export async function xlsxFromCsv(csv: string): Promise<Uint8Array> {
  const rows: string[][] = parse(csv, { relaxColumnCount: true })
  const wb = new ExcelJS.Workbook()
  const ws = wb.addWorksheet('村级报表')
  for (const [i, row] of rows.entries()) {
    ws.addRow(i === 0 ? row : row.map((v) => (/^-?\d+(\.\d+)?$/.test(v) && v.length < 10 ? Number(v) : v)))
  }
  return new Uint8Array(await wb.xlsx.writeBuffer())
}
