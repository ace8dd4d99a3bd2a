import { createReadStream, existsSync, statSync } from 'node:fs'
import { basename } from 'node:path'
import { PutObjectCommand } from '@aws-sdk/client-s3'
import { LOCAL_NAMES } from '../../local/emulators.ts'
import { localHome, startLocalPipeline } from '../../local/local-pipeline.ts'
import { UsageError, parseFlags, requireCounty, requirePeriod, requireTarget, type Command } from '../args.ts'
import { formatReport } from '../format.ts'

export const uploadCommand: Command = {
  name: 'upload',
  summary: 'upload a file to the pipeline and wait for its verdict',
  usage: 'va upload <file> --county <6 digits> --period <YYYYQn> [--json]  |  va upload <file> --registry [--json]',
  help: `Uploads a county file to uploads/<county>/<period>/<file name> (or a registry to
registry/org_units/ with --registry) through the S3 API, waits for the pipeline's verdict and
prints it. With --target local (the default) the embedded pipeline runs in this process, its
state under \$VA_HOME or .va/.

Options:
  --county <6 digits>   the uploading county
  --period <YYYYQn>     the quarter
  --registry            upload an org_units registry instead
  --json                print the verdict as JSON: { submission, report }
  --target local|aws    where the pipeline runs (default local)

Exit codes: 0 accepted, 1 rejected, 2 usage error.`,
  async run(argv, io) {
    const { values, positionals } = parseFlags(argv, {
      county: { type: 'string' }, period: { type: 'string' }, registry: { type: 'boolean' },
      json: { type: 'boolean' }, target: { type: 'string' },
    })
    const file = positionals[0]
    if (!file) throw new UsageError('name the file to upload: va upload <file> --county … --period …')
    if (!existsSync(file)) throw new UsageError(`no such file: ${file}`)
    const target = requireTarget(values.target)
    if (target === 'aws') throw new UsageError('--target aws: upload with your county role (see the README, "Deploying"): aws s3 cp <file> s3://<IngestBucketName>/uploads/<county>/<period>/')
    const key = values.registry
      ? `registry/org_units/${basename(file)}`
      : `uploads/${requireCounty(values.county)}/${requirePeriod(values.period)}/${basename(file)}`

    const pipeline = await startLocalPipeline({ home: localHome(io.env, io.cwd) })
    try {
      const verdict = pipeline.verdictFor(key)
      await pipeline.s3.client.send(new PutObjectCommand({
        Bucket: LOCAL_NAMES.ingestBucket, Key: key, Body: createReadStream(file), ContentLength: statSync(file).size,
      }))
      const { submission, report } = await verdict
      if (values.json) io.out(JSON.stringify({ submission, report }, null, 2))
      else {
        io.out(formatReport(report, key))
        io.out(`\nsubmission ${submission.submission_id} (${submission.status}); report: s3://${LOCAL_NAMES.lakeBucket}/${submission.report_key}`)
      }
      return report.status === 'accepted' ? 0 : 1
    } finally {
      await pipeline.close()
    }
  },
}
