/** What a bench child prints: one JSON line on stdout, read by bench/run.ts. */
export function reportResult(result: Record<string, unknown>): void {
  const peakRssMb = process.resourceUsage().maxRSS / 1024
  const m = process.memoryUsage()
  const mb = (n: number) => Math.round((n / 2 ** 20) * 10) / 10
  // Where the memory is at the end (heap, typed arrays), beside the peak the OS saw.
  const memory = { rss_mb: mb(m.rss), heap_total_mb: mb(m.heapTotal), heap_used_mb: mb(m.heapUsed), array_buffers_mb: mb(m.arrayBuffers), external_mb: mb(m.external) }
  process.stdout.write(`${JSON.stringify({ ...result, peak_rss_mb: Math.round(peakRssMb * 10) / 10, memory_at_end: memory })}\n`)
}
