import { spawn, type ChildProcess } from 'node:child_process'

const bin = new URL('../../functions/cli/va.mjs', import.meta.url).pathname

/**
 * `va serve` as a user starts it: its own process on a free port, with the state at `stateDir`
 * and the environment cleaned of language, width and `va` settings. Resolves once it has
 * printed its addresses and accounts (everything up to "Ctrl-C").
 */
export async function startVaServe(cwd: string, stateDir: string): Promise<{ child: ChildProcess; printed: string; stop: () => Promise<void> }> {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(LANG|LC_|COLUMNS$|VA_|npm_)/.test(k)))
  const child = spawn(process.execPath, [bin, 'serve', '--port', '0', '--no-open'], { cwd, env: { ...clean, VA_HOME: stateDir }, stdio: ['ignore', 'pipe', 'pipe'] })
  child.stdout.setEncoding('utf8')
  child.stderr.setEncoding('utf8')
  let errors = ''
  let printed = ''
  child.stderr.on('data', (t: string) => (errors += t))
  await new Promise<void>((ready, fail) => {
    child.stdout.on('data', (t: string) => {
      printed += t
      if (printed.includes('Ctrl-C')) ready()
    })
    child.once('exit', (code) => fail(new Error(`va serve exited with ${code}: ${errors}`)))
  })
  const stop = async () => {
    if (child.exitCode !== null) return
    const exited = new Promise((done) => child.once('exit', done))
    child.kill('SIGTERM')
    await exited
  }
  return { child, printed, stop }
}
