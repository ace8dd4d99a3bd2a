import { MAX_LISTED_FINDINGS, type Finding } from '../../../schemas/findings.ts'

/**
 * Collects findings: every one is counted per code, the first 1000 are kept in detail
 * (validation.md). File-level findings are listed before row findings, rows in order.
 */
export class FindingsCollector {
  private readonly fileCounts = new Map<string, number>()
  private rowCounts = new Map<string, number>()
  private readonly fileLevel: Finding[] = []
  private rowLevel: Finding[] = []
  private fileErrors = 0
  private rowErrors = 0

  add(f: Finding): void {
    const file = f.row === undefined
    const counts = file ? this.fileCounts : this.rowCounts
    counts.set(f.code, (counts.get(f.code) ?? 0) + 1)
    if (f.severity === 'error') {
      if (file) this.fileErrors++
      else this.rowErrors++
    }
    if (this.fileLevel.length + this.rowLevel.length >= MAX_LISTED_FINDINGS) {
      // File-level findings say why a file could not be read: one of them displaces the most
      // recent row finding rather than go unlisted.
      if (!file || this.rowLevel.length === 0) return
      this.rowLevel.pop()
    }
    if (file) this.fileLevel.push(f)
    else this.rowLevel.push(f)
  }

  get errors(): number {
    return this.fileErrors + this.rowErrors
  }

  get total(): number {
    let t = 0
    for (const c of this.fileCounts.values()) t += c
    for (const c of this.rowCounts.values()) t += c
    return t
  }

  /** Forgets row findings: a file-level error stopped the file, so no row counts as checked. */
  dropRowFindings(): void {
    this.rowLevel = []
    this.rowCounts = new Map()
    this.rowErrors = 0
  }

  /** The listed findings: file-level first, then by row (stable within a row). */
  list(): Finding[] {
    const rows = [...this.rowLevel].sort((a, b) => a.row! - b.row!)
    return [...this.fileLevel, ...rows]
  }

  countsObject(): Record<string, number> {
    const all = new Map(this.fileCounts)
    for (const [k, v] of this.rowCounts) all.set(k, (all.get(k) ?? 0) + v)
    return Object.fromEntries([...all.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
  }

  get truncated(): boolean {
    return this.total > this.fileLevel.length + this.rowLevel.length
  }
}
