/**
 * A progress bar on stderr for work a person watches for more than a moment. It draws only
 * on a terminal and at most ten times a second, so piped output and logs stay clean.
 */
export class ProgressBar {
  private last = 0
  private readonly started = Date.now()
  private drawn = false

  constructor(private readonly label: string, public total: number, private readonly write: (s: string) => void, private readonly enabled: boolean) {}

  update(done: number, note = ''): void {
    if (!this.enabled) return
    const now = Date.now()
    if (now - this.last < 100 && done < this.total) return
    this.last = now
    const share = this.total > 0 ? Math.min(1, done / this.total) : 0
    const width = 28
    const filled = Math.round(share * width)
    const secs = ((now - this.started) / 1000).toFixed(1)
    this.write(`\r${this.label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${(share * 100).toFixed(0).padStart(3)}% ${secs}s ${note}`.padEnd(90))
    this.drawn = true
  }

  done(): void {
    if (this.enabled && this.drawn) this.write('\n')
  }
}
