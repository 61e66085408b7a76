// The kiosk outbox and its sync against the real app: durability, a 10,000-event sync through a lost
// acknowledgement and a replayed batch, and every tampering the hash chain must catch (each with its twin).
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { entryHash, genesisHash } from '../../lib/outbox-chain.ts'
import { fillOutbox, syntheticClaim, syntheticEvent } from '../../kiosk-sim/loadtest/synthetic-outbox.ts'
import { KioskOutbox, OutboxMismatchError, type OutboxEntry } from '../../kiosk-sim/offline/outbox.ts'
import { syncOutbox, type OutboxTransport } from '../../kiosk-sim/offline/outbox-sync.ts'
import { KioskServerClient, OutboxRefusedError, ServerUnavailableError } from '../../kiosk-sim/kiosk-server-client.ts'
import { buildTestApp, kiosk, KIOSK_ID, KIOSK_KEY } from '../helpers/test-app.ts'

const dir = mkdtempSync(join(tmpdir(), 'offline-sync-'))
t.teardown(() => rmSync(dir, { recursive: true, force: true }))
let files = 0
const openOutbox = (
  t: { teardown(fn: () => void): void },
  kioskId = KIOSK_ID,
  path = join(dir, `outbox-${++files}.db`),
) => {
  const outbox = new KioskOutbox(path, kioskId)
  t.teardown(() => outbox.close())
  return outbox
}

t.test('the outbox is durable: reopened, it keeps its chain, its acknowledgement and its seq', async (t) => {
  const path = join(dir, 'durable.db')
  const first = new KioskOutbox(path, KIOSK_ID)
  fillOutbox(first, 25)
  const head = first.head()
  first.acknowledge({ seq: 10, hash: first.unacknowledged(10)[9]!.hash })
  first.close()
  const reopened = openOutbox(t, KIOSK_ID, path)
  t.same(reopened.head(), head, 'same head')
  t.equal(reopened.acknowledgedSeq(), 10, 'acknowledgement kept')
  t.equal(reopened.pendingCount(), 15)
  const next = reopened.append(syntheticEvent(KIOSK_ID, Date.now()), null)
  t.equal(next.seq, 26, 'seq continues')
  t.equal(next.prevHash, head.hash, 'chain continues')
  t.equal(next.hash, entryHash(head.hash, 26, next.event, null))
  t.throws(() => new KioskOutbox(path, 'kiosk-2'), OutboxMismatchError, "another kiosk cannot open this kiosk's outbox")
  t.throws(
    () => reopened.acknowledge({ seq: 5, hash: 'f'.repeat(64) }),
    OutboxMismatchError,
    'an acknowledgement of another history is refused',
  )
  t.equal(reopened.acknowledgedSeq(), 10, 'and changes nothing')
})

t.test('a 10,000-event offline sync with a lost acknowledgement and a replayed batch', async (t) => {
  const { app, store } = await buildTestApp(t)
  const url = await app.listen({ port: 0, host: '127.0.0.1' })
  const outbox = openOutbox(t)
  fillOutbox(outbox, 10_000, 10)
  const client = new KioskServerClient(url, KIOSK_KEY, 30_000)
  // The 7th reply is lost after the server stored the batch: the kiosk must resend it, the server must not store it
  // twice.
  let posts = 0
  const lossy: OutboxTransport = {
    async postOutbox(kioskId, entries) {
      const head = await client.postOutbox(kioskId, entries)
      if (++posts === 7) throw new ServerUnavailableError('reply lost (test)')
      return head
    },
    fetchOutboxHead: () => client.fetchOutboxHead(),
  }
  const report = await syncOutbox(outbox, lossy, { batchSize: 500, backoffMs: 10 })
  t.equal(report.retries, 1, 'one retry')
  t.equal(report.sent, 10_500, 'one batch sent twice')
  t.same(report.acknowledged, outbox.head(), 'acknowledged up to the kiosk head')
  t.equal(outbox.pendingCount(), 0, 'nothing pending')
  t.same(await store.getOutboxHead(KIOSK_ID), outbox.head(), 'the server holds the same head')
  t.equal(await store.countEvents(), 10_000, '0 lost, 0 duplicated')
  const storedIds = new Set((await store.listEvents(0)).map((e) => e.eventId))
  const sentIds = new Set<string>()
  for (let seq = 0; seq < 10_000; seq += 1000) {
    for (const entry of outbox.entries(seq + 1, 1000)) sentIds.add(entry.event.eventId)
  }
  t.equal(sentIds.size, 10_000)
  t.ok(
    [...sentIds].every((id) => storedIds.has(id)),
    'every outbox event is stored',
  )

  // A replayed batch (an old request sent again): acknowledged with the current head, nothing stored.
  const oldBatch = outbox.entries(1, 500)
  const replay = await app.inject({
    method: 'POST',
    url: '/v1/kiosk/outbox',
    headers: kiosk,
    payload: { kioskId: KIOSK_ID, events: oldBatch },
  })
  t.equal(replay.statusCode, 200)
  t.same(replay.json(), { acknowledged: outbox.head(), stored: 0, alreadyStored: 500, flagged: 0 }, 'idempotent')
  t.equal(await store.countEvents(), 10_000, 'still 10,000')

  // The offline token ids reached the ledger: a second use anywhere is now refused, and none was flagged.
  const claimed = outbox.entries(10, 1)[0]!
  t.ok(claimed.jti, 'the 10th entry carries a token id')
  t.equal(
    await store.consumeJti({
      iss: claimed.jti!.iss,
      jti: claimed.jti!.jti,
      expiresAtSec: claimed.jti!.exp,
      kioskId: 'kiosk-2',
      consumedAt: new Date().toISOString(),
    }),
    false,
    'consumed at sync',
  )
  t.same(await store.listOfflineFlags(10), [], 'no flags for single uses')

  // Twin: new decisions after the sync go through, from the acknowledged head on.
  fillOutbox(outbox, 3, 0)
  const more = await syncOutbox(outbox, client)
  t.equal(more.sent, 3)
  t.equal(await store.countEvents(), 10_003)
})

t.test('tampering and gaps are refused with stable codes and store nothing; each intact twin is stored', async (t) => {
  const { app, store } = await buildTestApp(t)
  const outbox = openOutbox(t)
  fillOutbox(outbox, 10, 3)
  const entries = outbox.entries(1, 10)
  const post = (events: unknown[], kioskId = KIOSK_ID) =>
    app.inject({ method: 'POST', url: '/v1/kiosk/outbox', headers: kiosk, payload: { kioskId, events } })
  const code = (res: { json(): { error?: { code: string } } }) => res.json().error?.code
  const statuses: number[] = []
  app.addHook('onResponse', async (_request, reply) => void statuses.push(reply.statusCode))

  const first = await post(entries.slice(0, 4))
  t.equal(first.statusCode, 200, 'seq 1-4 stored')

  const gap = await post(entries.slice(5))
  t.same([gap.statusCode, code(gap)], [409, 'OUTBOX_GAP'], 'seq 6-10 after 4: a gap')
  const holed = await post([...entries.slice(3, 4), ...entries.slice(5, 7)])
  t.same([holed.statusCode, code(holed)], [409, 'OUTBOX_GAP'], 'a hole inside the batch')

  const altered = structuredClone(entries.slice(4))
  altered[1]!.event.decision = 'REJECT'
  const alteredRes = await post(altered)
  t.same([alteredRes.statusCode, code(alteredRes)], [409, 'OUTBOX_CHAIN_BROKEN'], 'an altered event')

  const rechained = rechain(structuredClone(entries), 2, (e) => (e.event.score = 0.99))
  const rewrite = await post(rechained.slice(1, 6))
  t.same(
    [rewrite.statusCode, code(rewrite)],
    [409, 'OUTBOX_CHAIN_BROKEN'],
    'a stored seq resent with another (consistent) history',
  )

  const foreign = await post(entries.slice(4), 'kiosk-2')
  t.same([foreign.statusCode, code(foreign)], [403, 'EVENT_KIOSK_MISMATCH'], "another kiosk's name in the body")
  const spliced = await post(outbox.entries(5, 6).map((e) => ({ ...e, event: { ...e.event, kioskId: 'kiosk-2' } })))
  t.same([spliced.statusCode, code(spliced)], [403, 'EVENT_KIOSK_MISMATCH'], 'events naming another kiosk')

  const wrongClaim = structuredClone(entries.slice(4))
  wrongClaim[2]!.jti = syntheticClaim()
  const wrongClaimRes = await post(wrongClaim)
  t.same(
    [wrongClaimRes.statusCode, code(wrongClaimRes)],
    [422, 'OUTBOX_ENTRY_INVALID'],
    "a token claim that is not the event's",
  )

  const malformed = await post([{ ...entries[4], seq: -1 }])
  t.same([malformed.statusCode, code(malformed)], [400, 'VALIDATION_FAILED'], 'a negative seq')
  const extra = await post([{ ...entries[4], note: 'x' }])
  t.same([extra.statusCode, code(extra)], [400, 'VALIDATION_FAILED'], 'an unknown field')

  t.equal(await store.countEvents(), 4, 'no refused batch stored anything')
  t.equal((await store.getOutboxHead(KIOSK_ID)).seq, 4, 'the head did not move')
  const refused = (await store.listAudit(50)).filter((a) => a.kind === 'OUTBOX_REFUSED')
  t.equal(refused.length, 5, 'each refused chain is audited')

  const twin = await post(entries.slice(4))
  t.same(
    [twin.statusCode, twin.json().acknowledged.seq, twin.json().stored],
    [200, 10, 6],
    'twin: the true continuation is stored',
  )
  t.equal(await store.countEvents(), 10)
  t.notOk(
    statuses.some((s) => s >= 500),
    'no 5xx',
  )
  const unauthenticated = await app.inject({
    method: 'POST',
    url: '/v1/kiosk/outbox',
    payload: { kioskId: KIOSK_ID, events: entries },
  })
  t.same([unauthenticated.statusCode, code(unauthenticated)], [401, 'UNAUTHORIZED'])
})

t.test(
  'a server that holds less than the kiosk was told (restored from a backup): the sync resends from its head',
  async (t) => {
    const outbox = openOutbox(t)
    fillOutbox(outbox, 120, 0)
    const before = await buildTestApp(t)
    await syncOutbox(
      outbox,
      new KioskServerClient(await before.app.listen({ port: 0, host: '127.0.0.1' }), KIOSK_KEY),
      { batchSize: 50 },
    )
    t.equal(outbox.acknowledgedSeq(), 120)
    fillOutbox(outbox, 30, 0)
    const restored = await buildTestApp(t)
    const client = new KioskServerClient(await restored.app.listen({ port: 0, host: '127.0.0.1' }), KIOSK_KEY)
    const report = await syncOutbox(outbox, client, { batchSize: 50 })
    t.equal(report.acknowledged.seq, 150)
    t.equal(await restored.store.countEvents(), 150, 'the whole chain, from genesis')
    t.same(await restored.store.getOutboxHead(KIOSK_ID), outbox.head())

    // Twin of the recovery: a server holding a different history is not "fixed" by resending; the sync stops.
    const forked = openOutbox(t)
    fillOutbox(forked, 5, 0)
    await t.rejects(syncOutbox(forked, client), OutboxRefusedError, 'another chain under the same kiosk id: refused')
    t.equal(forked.acknowledgedSeq(), 0)
    t.equal(genesisHash(KIOSK_ID), forked.unacknowledged(1)[0]!.prevHash)
  },
)

/** Changes entry `index` and recomputes every hash from there: a consistent forged history. */
function rechain(entries: OutboxEntry[], index: number, change: (e: OutboxEntry) => void): OutboxEntry[] {
  change(entries[index]!)
  for (let i = index; i < entries.length; i++) {
    const entry = entries[i]!
    if (i > 0) entry.prevHash = entries[i - 1]!.hash
    entry.hash = entryHash(entry.prevHash, entry.seq, entry.event, entry.jti)
  }
  return entries
}
