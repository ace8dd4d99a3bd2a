import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { ObjectStore } from '../use-cases/ports.ts'

/** A submission's reports beside its JSON report key: the CSV, and the annotated workbook of a rejected XLSX. */
const REPORT_FILES = [
  { ext: 'json', suffix: 'report.json' },
  { ext: 'csv', suffix: 'report.csv' },
  { ext: 'xlsx', suffix: 'annotated.xlsx' },
] as const

/**
 * Copies the reports of one submission from the lake into a folder as `<stem>.report.json`,
 * `<stem>.report.csv` and `<stem>.annotated.xlsx` (those that exist); returns the paths written.
 */
export async function saveSubmissionReports(store: ObjectStore, bucket: string, reportKey: string, outDir: string, stem: string): Promise<string[]> {
  const written: string[] = []
  await mkdir(outDir, { recursive: true })
  for (const { ext, suffix } of REPORT_FILES) {
    const bytes = await store.getBytes(bucket, reportKey.replace(/\.json$/, `.${ext}`))
    if (!bytes) continue
    const path = join(outDir, `${stem}.${suffix}`)
    await writeFile(path, bytes)
    written.push(path)
  }
  return written
}

/** The JSON report key of a submission id, found among the lake's submission and registry reports. */
export async function findReportKey(store: ObjectStore, bucket: string, submissionId: string): Promise<string | undefined> {
  const objects = await store.list(bucket, 'reports/')
  return objects.map((o) => o.key).find((k) => (k.startsWith('reports/submissions/') || k.startsWith('reports/registry/')) && k.endsWith(`/${submissionId}.json`))
}
