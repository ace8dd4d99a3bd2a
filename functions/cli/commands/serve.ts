import { spawn } from 'node:child_process'
import { localHome } from '../../local/local-pipeline.ts'
import { startLocalPortal } from '../../local/portal-server.ts'
import { LOCAL_NAMES } from '../../local/emulators.ts'
import { UsageError, parseFlags, type CommandRunner } from '../args.ts'

/** Opens the portal in the desktop's browser; nothing happens where there is none. */
function openBrowser(url: string): void {
  const [cmd, args] = process.platform === 'darwin' ? ['open', [url]] : process.platform === 'win32' ? ['cmd', ['/c', 'start', '', url]] : ['xdg-open', [url]]
  const child = spawn(cmd, args, { detached: true, stdio: 'ignore' })
  child.on('error', () => undefined)
  child.unref()
}

export const serveCommand: CommandRunner = {
  async run(argv, io) {
    const { values } = parseFlags(argv, { port: { type: 'string' }, 'no-open': { type: 'boolean' }, 'after-demo': { type: 'boolean' }, 'no-serve': { type: 'boolean' }, json: { type: 'boolean' } })
    if (values['after-demo'] && (values['no-serve'] || !process.stdout.isTTY)) return 0
    const port = values.port === undefined ? 8080 : /^\d{1,5}$/.test(values.port) && Number(values.port) < 65536 ? Number(values.port) : NaN
    if (Number.isNaN(port)) throw new UsageError('--port needs a port number (0 for any free port)')
    const home = localHome(io.env, io.cwd)
    const portal = await startLocalPortal({ home, port })
    const s3 = portal.s3Endpoint
    if (values.json) {
      io.out(JSON.stringify({ portal: portal.url, s3_endpoint: s3, ingest_bucket: LOCAL_NAMES.ingestBucket, state: home, accounts: portal.accounts }))
    } else {
      const example = portal.accounts.find((a) => a.role === 'clerk')
      io.out([
        `va serve: the local pipeline and the portal (state: ${home})`,
        '',
        `  portal:       ${portal.url}`,
        `  S3 endpoint:  ${s3}   (bucket "${LOCAL_NAMES.ingestBucket}", path-style)`,
        '',
        'LOCAL ONLY — the S3 emulator takes any S3 client with the access key S3RVER and the secret S3RVER',
        '(it does not check signatures or per-county rights: on AWS each county has its own role and prefix). E.g.:',
        `  AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER AWS_REGION=us-east-1 \\`,
        `    aws --endpoint-url ${s3} s3 cp 村报表.csv s3://${LOCAL_NAMES.ingestBucket}/uploads/${example?.county ?? '522226'}/2024Q4/村报表.csv`,
        '',
        'LOCAL ONLY — accounts for signing in to the portal here (tokens issued and checked by this process):',
        ...portal.accounts.map((a) => `  ${a.account.padEnd(14)} ${a.role.padEnd(8)} ${a.county ?? a.city ?? a.province ?? ''}${a.admin ? ' admin' : ''}  ${a.name}`),
        '',
        'Ctrl-C stops the service.',
      ].join('\n'))
    }
    if (!values['no-open'] && process.stdout.isTTY) openBrowser(portal.url)
    await new Promise<void>((done) => {
      const stop = () => {
        process.off('SIGINT', stop)
        process.off('SIGTERM', stop)
        done()
      }
      process.on('SIGINT', stop)
      process.on('SIGTERM', stop)
    })
    await portal.close()
    return 0
  },
}
