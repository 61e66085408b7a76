// Offline decisions through the real kiosk path against the real app: what a kiosk may decide alone, what
// it must refuse (with which reason), and what the server flags when the outboxes come in.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t, { type Test } from 'tap'
import { syncOutbox } from '../../kiosk-sim/offline/outbox-sync.ts'
import { clearPassenger } from '../../kiosk-sim/gate/clear-passenger.ts'
import { renderPhoneFrame } from '../../kiosk-sim/sources/phone-frame.ts'
import { generateSigningKey } from '../../tokens/jwks.ts'
import {
  DEFAULT_TEST_LIMITS,
  enrol,
  offlineKiosk,
  TestClocks,
  tokenAt,
  type OfflineKiosk,
} from '../helpers/offline-kiosk.ts'
import { buildTestApp, KIOSK_ID, KIOSK_KEY, operator, testConfig } from '../helpers/test-app.ts'

const signingKey = { ...generateSigningKey(), createdAt: 0 }
const dir = mkdtempSync(join(tmpdir(), 'offline-mode-'))
t.teardown(() => rmSync(dir, { recursive: true, force: true }))
const APPROVE = { decision: 'APPROVE', reason: null }
const refer = (reason: string) => ({ decision: 'REFER_TO_OFFICER', reason })
let kiosks = 0

async function setup(t: Test) {
  const { app, store } = await buildTestApp(t, { signingKeys: [signingKey] })
  const url = await app.listen({ port: 0, host: '127.0.0.1' })
  const clocks = new TestClocks()
  const open = (kioskId = KIOSK_ID, kioskKey = KIOSK_KEY, limits = DEFAULT_TEST_LIMITS) => {
    const own = join(dir, String(++kiosks))
    mkdirSync(own)
    const kiosk = offlineKiosk({ url, kioskId, kioskKey, dir: own, clocks, limits })
    t.teardown(() => kiosk.outbox.close())
    return kiosk
  }
  return { app, store, url, clocks, open }
}
const decide = async (kiosk: OfflineKiosk, token: string, axis: number) => {
  const record = await kiosk.present(token, axis)
  return { decision: record.decision, reason: record.reason }
}

t.test(
  'one token at two offline kiosks: both approve, both events are kept, and the second use is flagged at sync',
  async (t) => {
    const { app, store, clocks, open } = await setup(t)
    const alice = await enrol(app, 11, 0)
    const kioskA = open(KIOSK_ID, KIOSK_KEY)
    const kioskB = open('kiosk-2', testConfig().kioskKeys['kiosk-2'])
    for (const k of [kioskA, kioskB])
      t.same(
        await decide(k, tokenAt(signingKey, alice.subject, clocks.wall()), 0),
        APPROVE,
        `${k.deps.identity.kioskId} online`,
      )
    kioskA.client.down = kioskB.client.down = true

    const screenshot = tokenAt(signingKey, alice.subject, clocks.wall())
    t.same(await decide(kioskA, screenshot, 0), APPROVE, 'kiosk A offline: first use')
    t.same(
      await decide(kioskA, screenshot, 0),
      { decision: 'REJECT', reason: 'TOKEN_REPLAYED' },
      'kiosk A again: its local ledger refuses',
    )
    t.same(await decide(kioskB, screenshot, 0), APPROVE, 'kiosk B offline cannot know: approves')
    const single = tokenAt(signingKey, alice.subject, clocks.wall())
    t.same(await decide(kioskB, single, 0), APPROVE, 'twin: a token used once, at B only')

    kioskA.client.down = kioskB.client.down = false
    await syncOutbox(kioskA.outbox, kioskA.client)
    await syncOutbox(kioskB.outbox, kioskB.client)
    const flags = (await app.inject({ method: 'GET', url: '/v1/offline-flags', headers: operator })).json()
      .flags as Array<Record<string, unknown>>
    t.equal(flags.length, 1, 'one flag: the second use of the screenshot, not the single-use twin')
    t.match(flags[0], { kind: 'JTI_DOUBLE_USE', kioskId: 'kiosk-2', otherKioskId: KIOSK_ID })
    const uses = (await store.listEvents(0)).filter((e) => e.jtiHash === flags[0]!.jtiHash)
    t.same(
      uses.map((e) => [e.kioskId, e.decision, e.reason]).sort(),
      [
        [KIOSK_ID, 'APPROVE', null],
        [KIOSK_ID, 'REJECT', 'TOKEN_REPLAYED'],
        ['kiosk-2', 'APPROVE', null],
      ],
      'every event of that token is kept',
    )
    t.equal((await store.listAudit(50)).filter((a) => a.kind === 'OFFLINE_JTI_DOUBLE_USE').length, 1, 'and audited')
    const forbidden = await app.inject({
      method: 'GET',
      url: '/v1/offline-flags',
      headers: { authorization: `Bearer ${KIOSK_KEY}` },
    })
    t.equal(forbidden.statusCode, 401, 'flags are for operators')
  },
)

t.test('clock skew or rollback refuses offline mode; a sane clock allows it', async (t) => {
  const { app, clocks, open } = await setup(t)
  const alice = await enrol(app, 21, 0)
  const kiosk = open()
  // Tokens issued five minutes back with a ten-minute life: still valid on every clock this test sets.
  const token = () => tokenAt(signingKey, alice.subject, clocks.wall() - 300_000, 600)
  t.same(await decide(kiosk, token(), 0), APPROVE, 'online')

  // A restarted kiosk has a new monotonic clock and no contact: it must reach the server once first.
  const restarted = open()
  restarted.client.down = true
  t.same(await decide(restarted, token(), 0), refer('STALE_KEYS'), 'started without the server: no keys at all')
  restarted.client.down = false
  await restarted.deps.keys.refresh(clocks.wall())
  restarted.client.down = true
  t.same(
    await decide(restarted, token(), 0),
    refer('OFFLINE_NOT_ALLOWED'),
    'keys, but no revocation list and no clock reference since start',
  )
  restarted.client.down = false
  t.same(await decide(restarted, token(), 0), APPROVE, 'twin: online once')
  restarted.client.down = true
  t.same(await decide(restarted, token(), 0), APPROVE, 'then offline is allowed')

  kiosk.client.down = true
  clocks.advance(60_000)
  t.same(await decide(kiosk, token(), 0), APPROVE, 'a minute offline, both clocks agree: APPROVE')
  clocks.wallOffsetMs -= 90_000
  t.same(await decide(kiosk, token(), 0), refer('CLOCK_UNTRUSTED'), 'wall clock set back 90 s')
  clocks.wallOffsetMs += 90_000
  t.same(await decide(kiosk, token(), 0), APPROVE, 'twin: set right again')
  clocks.wallOffsetMs += 60_000
  t.same(
    await decide(kiosk, token(), 0),
    refer('CLOCK_UNTRUSTED'),
    'wall clock jumps a minute ahead of the monotonic clock',
  )
  clocks.wallOffsetMs -= 60_000
  // That referral was written at the jumped time; a clock now found before it counts as set back.
  t.same(
    await decide(kiosk, token(), 0),
    refer('CLOCK_UNTRUSTED'),
    'set right, but before the last event written: still refused',
  )
  clocks.advance(61_000)
  t.same(await decide(kiosk, token(), 0), APPROVE, 'twin: once the clock has passed that event, offline work resumes')
})

t.test(
  'offline limits: local replay, uncached template, disabled mode, and a kiosk without offline mode',
  async (t) => {
    const { app, clocks, open } = await setup(t)
    const alice = await enrol(app, 31, 0)
    const dave = await enrol(app, 32, 6)
    const kiosk = open()
    const token = (subject: string) => tokenAt(signingKey, subject, clocks.wall())
    const usedOnline = token(alice.subject)
    t.same(await decide(kiosk, usedOnline, 0), APPROVE, 'online')
    kiosk.client.down = true

    t.same(
      await decide(kiosk, usedOnline, 0),
      { decision: 'REJECT', reason: 'TOKEN_REPLAYED' },
      'a token used online here, shown offline: replayed',
    )
    t.same(
      await decide(kiosk, token(alice.subject), 3),
      { decision: 'REJECT', reason: 'FACE_MISMATCH' },
      "offline, Alice's token with another face: the cached template still binds",
    )
    t.same(
      await decide(kiosk, token(dave.subject), 6),
      refer('OFFLINE_TEMPLATE_UNAVAILABLE'),
      'a resident this kiosk never saw: no template, fail closed',
    )
    t.same(await decide(kiosk, token(alice.subject), 0), APPROVE, 'twin: a seen resident, new token')

    kiosk.client.down = false
    kiosk.client.refused = true
    t.same(
      await decide(kiosk, token(alice.subject), 0),
      refer('OFFLINE_NOT_ALLOWED'),
      'the server refuses this kiosk (key withdrawn): not an outage, no offline work',
    )
    kiosk.client.refused = false
    kiosk.client.down = true

    const disabled = open(KIOSK_ID, KIOSK_KEY, { ...DEFAULT_TEST_LIMITS, enabled: false })
    t.same(await decide(disabled, token(alice.subject), 0), APPROVE, 'disabled kiosk online')
    disabled.client.down = true
    t.same(await decide(disabled, token(alice.subject), 0), refer('OFFLINE_NOT_ALLOWED'), 'offline mode switched off')

    // Without offline mode the gate behaves as before: no server, no decision.
    const plain = open()
    const deps = { ...plain.deps, offline: undefined }
    t.same(
      (
        await clearPassenger(
          {
            qrFrame: await renderPhoneFrame(token(alice.subject), { seed: 9, difficulty: 'clean' }),
            faceFrame: Buffer.from('{"faces":[{"axis":0}]}'),
          },
          deps,
        )
      ).decision,
      'APPROVE',
      'online, no offline mode',
    )
    plain.client.down = true
    const down = await clearPassenger(
      {
        qrFrame: await renderPhoneFrame(token(alice.subject), { seed: 10, difficulty: 'clean' }),
        faceFrame: Buffer.from('{"faces":[{"axis":0}]}'),
      },
      deps,
    )
    t.same({ decision: down.decision, reason: down.reason }, refer('SERVER_UNAVAILABLE'), 'offline, no offline mode')

    // Every decision of the offline-mode kiosk is in its outbox, in order, chained.
    t.equal(kiosk.outbox.head().seq, 6, 'six decisions, six entries')
    t.same(
      kiosk.outbox.entries(1, 6).map((e) => e.event.reason),
      [null, 'TOKEN_REPLAYED', 'FACE_MISMATCH', 'OFFLINE_TEMPLATE_UNAVAILABLE', null, 'OFFLINE_NOT_ALLOWED'],
    )
    t.same(
      kiosk.outbox.entries(1, 6).map((e) => e.jti !== null),
      [false, false, true, false, true, false],
      'token ids travel only with decisions whose ledger check was made offline',
    )

    // No approval without a durable record: an outbox that cannot write turns the decision into a referral.
    kiosk.client.down = false
    const record = kiosk.offline.record.bind(kiosk.offline)
    kiosk.offline.record = () => {
      throw new Error('disk full (test)')
    }
    t.same(
      await decide(kiosk, token(alice.subject), 0),
      refer('INTERNAL_ERROR'),
      'the outbox refuses the write: REFER, never APPROVE',
    )
    kiosk.offline.record = record
    t.same(await decide(kiosk, token(alice.subject), 0), APPROVE, 'twin: the outbox writes again')
  },
)
