import { existsSync, statSync } from 'node:fs'
import { writeFile } from 'node:fs/promises'
import { dirname, resolve } from 'node:path'
import { DATASETS, DatasetNameSchema } from '../../../schemas/findings.ts'
import { buildTemplate } from '../../core/workbook/template-workbook.ts'
import { UsageError, parseFlags, type CommandRunner } from '../args.ts'

export const templateCommand: CommandRunner = {
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
