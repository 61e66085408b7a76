// npm run bench:offline-sync [-- --events 100000 --batch 500]
// Fills a kiosk outbox (one durable append per decision, as at a gate), then syncs it over HTTP to the real
// server on a fresh SQLite file, losing one acknowledgement on the way and replaying one batch after.
// Prints events per second and proves 0 lost and 0 duplicated from the server's database; exits 1 otherwise.
import { mkdtemp, rm } from 'node:fs/promises'
import os, { tmpdir } from 'node:os'
import path from 'node:path'
import { parseArgs } from 'node:util'
import Database from 'better-sqlite3'
import { startEmbeddedServer } from '../kiosk-sim/embedded-server.ts'
import { fillOutbox } from '../kiosk-sim/loadtest/synthetic-outbox.ts'
import { KioskOutbox } from '../kiosk-sim/offline/outbox.ts'
import { syncOutbox, type OutboxTransport } from '../kiosk-sim/offline/outbox-sync.ts'
import { KioskServerClient, ServerUnavailableError } from '../kiosk-sim/kiosk-server-client.ts'

const { values } = parseArgs({
  options: { events: { type: 'string', default: '10000' }, batch: { type: 'string', default: '500' } },
})
const EVENTS = Number(values.events)
const BATCH = Number(values.batch)
const KIOSK = 'bench-kiosk'

const dir = await mkdtemp(path.join(tmpdir(), 'offline-sync-bench-'))
const server = await startEmbeddedServer({ kioskIds: [KIOSK], logLevel: 'error' })
let failed: boolean
try {
  const outbox = new KioskOutbox(path.join(dir, 'outbox.db'), KIOSK)
  const fillStarted = performance.now()
  fillOutbox(outbox, EVENTS, 10)
  const fillSec = (performance.now() - fillStarted) / 1000

  const client = new KioskServerClient(server.url, server.kioskKeys[KIOSK]!, 60_000)
  let posts = 0
  const lossy: OutboxTransport = {
    async postOutbox(kioskId, entries) {
      const head = await client.postOutbox(kioskId, entries)
      if (++posts === 3) throw new ServerUnavailableError('acknowledgement lost (bench)')
      return head
    },
    fetchOutboxHead: () => client.fetchOutboxHead(),
  }
  const syncStarted = performance.now()
  const report = await syncOutbox(outbox, lossy, { batchSize: BATCH, backoffMs: 0 })
  const syncSec = (performance.now() - syncStarted) / 1000
  const replayed = await client.postOutbox(KIOSK, outbox.entries(1, BATCH))

  const sent = outbox.entries(1, EVENTS + 1)
  const db = new Database(server.databasePath, { readonly: true })
  const storedIds = new Set(
    db.prepare('SELECT event_id FROM clearance_events WHERE kiosk_id = ?').pluck().all(KIOSK) as string[],
  )
  const rows = db.prepare('SELECT count(*) FROM clearance_events WHERE kiosk_id = ?').pluck().get(KIOSK) as number
  const chainRows = db.prepare('SELECT count(*) FROM outbox_entries WHERE kiosk_id = ?').pluck().get(KIOSK) as number
  const ledgerRows = db.prepare('SELECT count(*) FROM jti_ledger WHERE kiosk_id = ?').pluck().get(KIOSK) as number
  const flags = db.prepare('SELECT count(*) FROM offline_flags').pluck().get() as number
  const serverHead = db.prepare('SELECT seq, hash FROM outbox_heads WHERE kiosk_id = ?').get(KIOSK) as {
    seq: number
    hash: string
  }
  db.close()

  const lost = sent.filter((entry) => !storedIds.has(entry.event.eventId)).length
  const duplicated = rows - storedIds.size + (chainRows - EVENTS)
  const claims = sent.filter((entry) => entry.jti).length
  const headMatches = serverHead.seq === outbox.head().seq && serverHead.hash === outbox.head().hash
  failed =
    lost !== 0 ||
    duplicated !== 0 ||
    rows !== EVENTS ||
    !headMatches ||
    ledgerRows !== claims ||
    replayed.seq !== EVENTS ||
    flags !== 0
  outbox.close()

  console.log(`machine: ${os.cpus().length} cores, ${os.cpus()[0]?.model}, node ${process.version}`)
  console.log(
    `outbox fill: ${EVENTS} durable appends (synchronous=FULL) in ${fillSec.toFixed(1)} s, ` +
      `${(EVENTS / fillSec).toFixed(0)} appends/s`,
  )
  console.log(
    `sync: ${EVENTS} events in ${syncSec.toFixed(2)} s = ${(EVENTS / syncSec).toFixed(0)} events/s ` +
      `(batches of ${BATCH}, ${report.batches} requests, ` +
      `${report.retries} lost acknowledgement, ${report.sent - EVENTS} events resent)`,
  )
  console.log(`replayed batch of ${BATCH}: acknowledged at seq ${replayed.seq}, stored nothing new`)
  console.log(
    `server: ${rows} events, ${chainRows} chain entries, ` +
      `${ledgerRows} offline token ids in the ledger (sent ${claims}), ` +
      `${flags} flags, head ${headMatches ? 'matches' : 'DIFFERS'}`,
  )
  console.log(`lost (sent - stored): ${lost}; duplicated: ${duplicated}; ${failed ? 'FAIL' : 'OK'}`)
} finally {
  await server.stop()
  await rm(dir, { recursive: true, force: true })
}
process.exit(failed ? 1 : 0)
