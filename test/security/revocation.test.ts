// Revocation online and offline, through the real kiosk path (phone frame -> QR -> token -> admission -> face
// match) against the real app. Offline the kiosk decides from its cached revocation list, and only while that
// list is younger than the configured maximum; what it could not know is flagged at sync.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { syncOutbox } from '../../kiosk-sim/offline/outbox-sync.ts'
import { generateSigningKey } from '../../tokens/jwks.ts'
import { DEFAULT_TEST_LIMITS, enrol, offlineKiosk, revoke, TestClocks, tokenAt } from '../helpers/offline-kiosk.ts'
import { buildTestApp, KIOSK_ID, KIOSK_KEY, operator } from '../helpers/test-app.ts'

const signingKey = { ...generateSigningKey(), createdAt: 0 }
const dir = mkdtempSync(join(tmpdir(), 'revocation-'))
t.teardown(() => rmSync(dir, { recursive: true, force: true }))

t.test('revocation online and offline', async (t) => {
  const { app } = await buildTestApp(t, { signingKeys: [signingKey] })
  const url = await app.listen({ port: 0, host: '127.0.0.1' })
  const clocks = new TestClocks()
  // Time passes at the kiosk only (clocks.advance): the server's clock stays real and refuses an event more than
  // 30 s ahead of it, so the list's maximum age is 25 s here rather than the default 10 minutes.
  const limits = { ...DEFAULT_TEST_LIMITS, maxRevocationAgeMs: 25_000 }
  const kiosk = offlineKiosk({ url, kioskId: KIOSK_ID, kioskKey: KIOSK_KEY, dir, clocks, limits })
  t.teardown(() => kiosk.outbox.close())
  const decision = async (token: string, axis: number) => {
    const record = await kiosk.present(token, axis)
    return { decision: record.decision, reason: record.reason }
  }
  const token = (subject: string) => tokenAt(signingKey, subject, clocks.wall())

  const alice = await enrol(app, 1, 0)
  const bob = await enrol(app, 2, 3)
  const carol = await enrol(app, 3, 5)

  // Online: each resident crosses once (the kiosk caches their templates on the way).
  for (const [resident, axis] of [
    [alice, 0],
    [bob, 3],
    [carol, 5],
  ] as const) {
    t.same(
      await decision(token(resident.subject), axis),
      { decision: 'APPROVE', reason: null },
      'online, active: APPROVE',
    )
  }
  await revoke(app, carol.residentId)
  t.same(
    await decision(token(carol.subject), 5),
    { decision: 'REJECT', reason: 'TOKEN_REVOKED' },
    'online, revoked: REJECT',
  )
  t.same(await decision(token(alice.subject), 0), { decision: 'APPROVE', reason: null }, 'online twin, active: APPROVE')

  // The kiosk fetches the list (carol on it), then loses the server.
  t.equal(await kiosk.revocations.refresh(), true, 'revocation list fetched')
  kiosk.client.down = true
  t.same(
    await decision(token(carol.subject), 5),
    { decision: 'REJECT', reason: 'TOKEN_REVOKED' },
    'offline, fresh list with the subject: REJECT',
  )
  t.same(
    await decision(token(alice.subject), 0),
    { decision: 'APPROVE', reason: null },
    'offline, fresh list without the subject: APPROVE',
  )

  // Bob is revoked while the kiosk is cut off: within the list's bounded age it cannot know, and approves.
  await revoke(app, bob.residentId)
  t.same(
    await decision(token(bob.subject), 3),
    { decision: 'APPROVE', reason: null },
    'offline, revoked after the list: approved within the staleness bound',
  )

  // Past the maximum age the kiosk refuses offline work: a stale list could miss any revocation.
  clocks.advance(limits.maxRevocationAgeMs + 1_000)
  t.same(
    await decision(token(alice.subject), 0),
    { decision: 'REFER_TO_OFFICER', reason: 'REVOCATION_LIST_STALE' },
    'offline, stale list: REFER',
  )
  t.same(
    await decision(token(carol.subject), 5),
    { decision: 'REFER_TO_OFFICER', reason: 'REVOCATION_LIST_STALE' },
    'offline, stale list: even a listed subject is referred, never approved',
  )

  // The server returns: the outbox syncs, and Bob's offline approval is flagged.
  kiosk.client.down = false
  const report = await syncOutbox(kiosk.outbox, kiosk.client)
  t.equal(report.acknowledged.seq, kiosk.outbox.head().seq, 'everything acknowledged')
  t.equal(kiosk.outbox.pendingCount(), 0)
  const flags = (await app.inject({ method: 'GET', url: '/v1/offline-flags', headers: operator })).json()
    .flags as Array<{ kind: string; kioskId: string }>
  t.same(
    flags.map((f) => [f.kind, f.kioskId]),
    [['REVOKED_AT_USE', KIOSK_ID]],
    "Bob's offline approval is flagged, Alice's is not",
  )
  const audit = await app.store.listAudit(50)
  t.equal(
    audit.filter((a) => a.kind === 'OFFLINE_REVOKED_AT_USE' && a.subjectRef === bob.subject).length,
    1,
    'and audited',
  )

  // Online again: the list is current and Bob is refused by the server itself.
  t.equal(await kiosk.revocations.refresh(), true)
  t.same(
    await decision(token(bob.subject), 3),
    { decision: 'REJECT', reason: 'TOKEN_REVOKED' },
    'online, after the outage: REJECT',
  )
  t.same(await decision(token(alice.subject), 0), { decision: 'APPROVE', reason: null }, 'online twin: APPROVE')
})
