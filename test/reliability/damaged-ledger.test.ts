import { cp, mkdtemp, readdir, readFile, rm, truncate, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PutItemCommand, ScanCommand } from '@aws-sdk/client-dynamodb'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { LOCAL_NAMES, startDynamoEmulator } from '../../functions/local/emulators.ts'
import { checkLevelStore, checkLogFormat, repairDamagedStore } from '../../functions/local/level-store-check.ts'
import { runVa } from '../support/kill-harness.ts'
import { planProvince, villageQuarter, villageReportCsv } from '../../functions/demo/generate.ts'

let dir: string
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'va-ledger-'))
})
afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

/** A LevelDB store as the emulator leaves it after 200 writes: the items still in the write-ahead log. */
async function storeWith200Items(name: string): Promise<string> {
  const path = join(dir, name)
  const dynamo = await startDynamoEmulator(path)
  for (let i = 0; i < 200; i++) {
    await dynamo.client.send(new PutItemCommand({ TableName: LOCAL_NAMES.submissionsTable, Item: { pk: { S: `p${String(i).padStart(3, '0')}` }, sk: { S: 's' }, body: { S: 'x'.repeat(400) } } }))
  }
  await dynamo.close()
  return path
}

async function logFile(path: string): Promise<string> {
  return (await readdir(path)).find((n) => n.endsWith('.log'))!
}

async function items(path: string): Promise<number> {
  const dynamo = await startDynamoEmulator(path)
  try {
    let count = 0
    let start: Record<string, unknown> | undefined
    do {
      const page = await dynamo.client.send(new ScanCommand({ TableName: LOCAL_NAMES.submissionsTable, ...(start ? { ExclusiveStartKey: start as never } : {}) }))
      count += page.Count ?? 0
      start = page.LastEvaluatedKey
    } while (start)
    return count
  } finally {
    await dynamo.close()
  }
}

describe('the DynamoDB emulator store checked before it opens', () => {
  it('finds nothing wrong with a store the emulator wrote and closed', async () => {
    const path = await storeWith200Items('sound')
    expect(await checkLevelStore(path)).toEqual([])
    expect(await checkLevelStore(join(dir, 'not-made-yet'))).toEqual([])
  }, 120_000)

  it('names a checksum mismatch in the middle of the write-ahead log, which LevelDB would skip without a word', async () => {
    const path = await storeWith200Items('flipped')
    const log = await logFile(path)
    const bytes = await readFile(join(path, log))
    bytes.write('XXXXXXXXXXXXXXXX', 30000)
    await writeFile(join(path, log), bytes)
    const damage = await checkLevelStore(path)
    expect(damage).toHaveLength(1)
    expect(damage[0]!.file).toBe(log)
    expect(damage[0]!.problem).toMatch(/^a checksum mismatch in the record at byte \d+$/)
  }, 120_000)

  it('names a log cut short, an empty CURRENT and a table file without its footer', async () => {
    const cut = await storeWith200Items('cut')
    const log = await logFile(cut)
    await truncate(join(cut, log), 60000)
    expect((await checkLevelStore(cut)).map((d) => d.file)).toEqual([log])
    expect(checkLogFormat((await readFile(join(cut, log))).subarray(0, 60000))).toMatch(/cut off at byte \d+ \(the last write did not finish\)$/)

    const current = await storeWith200Items('current')
    await writeFile(join(current, 'CURRENT'), '')
    expect(await checkLevelStore(current)).toEqual([{ file: 'CURRENT', problem: 'empty' }])

    // Opening the store once more compacts the log into a table file.
    const table = await storeWith200Items('table')
    await items(table)
    const ldb = (await readdir(table)).find((n) => n.endsWith('.ldb'))!
    await truncate(join(table, ldb), 100)
    expect(await checkLevelStore(table)).toEqual([{ file: ldb, problem: 'a table file without its footer (cut short or overwritten)' }])
  }, 120_000)

  it('copies a damaged store aside as found and repairs it so that it opens with every readable item', async () => {
    const path = await storeWith200Items('repair')
    await writeFile(join(path, 'CURRENT'), '')
    const repair = await repairDamagedStore(path, join(dir, 'quarantine', 'dynamodb'))
    expect([repair?.damage, repair?.outcome]).toEqual([[{ file: 'CURRENT', problem: 'empty' }], 'rebuilt'])
    expect(await readFile(join(dir, 'quarantine', 'dynamodb', 'CURRENT'), 'utf8')).toBe('')
    expect(await checkLevelStore(path)).toEqual([])
    expect(await items(path)).toBe(200)
    expect(await repairDamagedStore(path, join(dir, 'quarantine', 'again'))).toBeUndefined()
  }, 120_000)
})

describe('va on a damaged ledger store', () => {
  it('reports a damaged ledger log, keeps a copy as found, repairs it and re-records the upload whose records it held: exit 8, then the same status as before but for the id of the submission recorded again', async () => {
    const plan = planProvince({ seed: 9, province: '52', townshipsPerCounty: 2, villagesPerTownship: 10 })
    const county = plan.counties[0]!
    await writeFile(join(dir, 'report.csv'), villageReportCsv(county.villages.map((v) => villageQuarter(v, { year: 2024, quarter: 2 }, 4))))
    const home = join(dir, 'state')
    const env = { VA_HOME: home }
    const uploaded = await runVa(['upload', 'report.csv', '--county', county.code, '--period', '2024Q2', '--json'], dir, env).done
    expect(uploaded.code, uploaded.err).toBe(0)
    // The same state untouched, for comparing: any command reopening the store would compact its log.
    await cp(home, join(dir, 'twin'), { recursive: true })
    // Overwrite the county's code wherever the ledger's write-ahead log holds it: every record of
    // this upload fails its checksum, which LevelDB alone would skip without a word.
    const store = join(home, 'dynamodb')
    const log = await logFile(store)
    const bytes = await readFile(join(store, log))
    let hits = 0
    for (let at = bytes.indexOf(county.code); at >= 0; at = bytes.indexOf(county.code, at + 6), hits++) bytes.write('XXXXXX', at)
    expect(hits).toBeGreaterThan(0)
    await writeFile(join(store, log), bytes)
    const r = await runVa(['reconcile', '--json'], dir, env).done
    expect(r.code, r.err).toBe(8)
    const doc = JSON.parse(r.out)
    expect(doc.ledger_repaired.damage).toEqual([{ file: log, problem: expect.stringMatching(/^a checksum mismatch in the record at byte \d+$/) }])
    expect(r.err).toMatch(/^va: the DynamoDB emulator's store was damaged \(.+\); copied as found to .+; its damaged records were dropped, and the uploads they held are recorded again below$/m)
    expect(doc.resent).toEqual([`uploads/${county.code}/2024Q2/report.csv`])
    expect((await readFile(join(doc.ledger_repaired.copied_to, log))).equals(bytes)).toBe(true)
    const after = JSON.parse((await runVa(['status', '--county', county.code, '--period', '2024Q2', '--json'], dir, env).done).out)
    const before = JSON.parse((await runVa(['status', '--county', county.code, '--period', '2024Q2', '--json'], dir, { VA_HOME: join(dir, 'twin') }).done).out)
    // Re-recorded from the listing, the submission's id and report name carry the object's
    // stored time (whole seconds), not the lost event's milliseconds; everything else is the same.
    const anonymous = (doc: unknown) => JSON.parse(JSON.stringify(doc).replace(/\d{8}T\d{9}Z-[0-9a-f]{16}/g, '<id>'))
    expect(anonymous(after)).toEqual(anonymous(before))
    expect(JSON.stringify(after)).not.toEqual(JSON.stringify(anonymous(after)))
    // Once repaired, the next command finds the store sound.
    const again = await runVa(['reconcile', '--json'], dir, env).done
    expect([again.code, JSON.parse(again.out).ledger_repaired]).toEqual([0, null])
  }, 300_000)
})
