import { existsSync, statSync } from 'node:fs'
import { writeFile } from 'node:fs/promises'
import { dirname, resolve } from 'node:path'
import { DATASETS, DatasetNameSchema } from '../../../schemas/findings.ts'
import { TEMPLATE_DATA_ROWS, buildTemplate } from '../../core/workbook/template-workbook.ts'
import { UsageError, parseFlags, type Command } from '../args.ts'

export const templateCommand: Command = {
  name: 'template',
  summary: 'write an XLSX template: Chinese headers, an example row, in-sheet validation',
  usage: 'va template --dataset <name> [--out <file.xlsx>]',
  help: `Writes an XLSX template for a dataset of the data contract: the Chinese headers with a
note on each (key, unit, type, bounds, allowed values, required), one example row that passes
every check, dropdowns for yes/no and enumerations, number and date validation on the next
${TEMPLATE_DATA_ROWS} rows, and a second sheet explaining every column in Chinese and English.
Prints the path of the file written.

Options:
  --dataset <name>   ${DATASETS.join(', ')}
  --out <file.xlsx>  where to write it (default: <dataset>-template.xlsx in the current directory)

Exit codes: 0 written, 2 usage error.`,
  async run(argv, io) {
    const { values, positionals } = parseFlags(argv, { dataset: { type: 'string' }, out: { type: 'string' } })
    if (positionals.length) throw new UsageError(`unexpected argument "${positionals[0]}"; name the dataset with --dataset`)
    const dataset = DatasetNameSchema.safeParse(values.dataset).data
    if (!dataset) throw new UsageError(`--dataset is one of ${DATASETS.join(', ')}`)
    const out = resolve(io.cwd, values.out ?? `${dataset}-template.xlsx`)
    if (!out.toLowerCase().endsWith('.xlsx')) throw new UsageError('--out must name an .xlsx file (Excel refuses a workbook under another extension)')
    if (!existsSync(dirname(out)) || !statSync(dirname(out)).isDirectory()) throw new UsageError(`no such directory: ${dirname(out)}`)
    if (existsSync(out) && statSync(out).isDirectory()) throw new UsageError(`${out} is a directory`)
    await writeFile(out, await buildTemplate(dataset))
    io.out(out)
    return 0
  },
}
