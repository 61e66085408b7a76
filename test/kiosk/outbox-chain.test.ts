import t from 'tap'
import {
  canonicalJson,
  entryHash,
  genesisHash,
  planAppend,
  verifyRun,
  type ChainEntry,
  type OfflineJtiClaim,
} from '../../lib/outbox-chain.ts'

function chain(kioskId: string, count: number, jtiAt = new Set<number>()): ChainEntry[] {
  const entries: ChainEntry[] = []
  let prevHash = genesisHash(kioskId)
  for (let seq = 1; seq <= count; seq++) {
    const event = { eventId: `e-${seq}`, decision: 'APPROVE', score: 0.8 + seq / 1000, timings: { totalMs: seq } }
    const jti: OfflineJtiClaim | null = jtiAt.has(seq)
      ? { iss: 'i', jti: `jti-${seq}-0123456789`, exp: 2_000_000_000, sub: 'sub-00000001' }
      : null
    const hash = entryHash(prevHash, seq, event, jti)
    entries.push({ seq, prevHash, hash, event, jti })
    prevHash = hash
  }
  return entries
}
const clone = <T>(v: T): T => structuredClone(v)

t.test('canonical JSON sorts keys at every depth and refuses what JSON cannot carry', async (t) => {
  t.equal(
    canonicalJson({ b: 1, a: { d: [1, { z: 0, y: null }], c: 'x' } }),
    '{"a":{"c":"x","d":[1,{"y":null,"z":0}]},"b":1}',
  )
  t.equal(canonicalJson({ a: 1, b: undefined }), canonicalJson({ a: 1 }), 'undefined fields are left out, as JSON does')
  t.throws(() => canonicalJson({ a: Number.NaN }))
  t.throws(() => canonicalJson({ a: () => 1 }))
})

t.test('an intact chain verifies; a changed field, a dropped or swapped entry is detected', async (t) => {
  const entries = chain('kiosk-1', 20, new Set([5]))
  t.equal(verifyRun(entries), null, 'intact')
  t.equal(entries[0]!.prevHash, genesisHash('kiosk-1'), 'starts at the kiosk genesis')
  t.not(genesisHash('kiosk-1'), genesisHash('kiosk-2'), 'one genesis per kiosk')

  const altered = clone(entries)
  ;(altered[7]!.event as { decision: string }).decision = 'REJECT'
  t.same(verifyRun(altered), { code: 'OUTBOX_CHAIN_BROKEN', atSeq: 8 }, 'a changed field')
  const jtiAltered = clone(entries)
  jtiAltered[4]!.jti!.sub = 'sub-someone-else'
  t.same(verifyRun(jtiAltered), { code: 'OUTBOX_CHAIN_BROKEN', atSeq: 5 }, 'a changed jti claim')
  const rehashed = clone(entries)
  ;(rehashed[7]!.event as { decision: string }).decision = 'REJECT'
  rehashed[7]!.hash = entryHash(rehashed[7]!.prevHash, 8, rehashed[7]!.event, null)
  t.same(
    verifyRun(rehashed),
    { code: 'OUTBOX_CHAIN_BROKEN', atSeq: 9 },
    'a re-hashed entry breaks the link to the next',
  )
  t.same(verifyRun([...entries.slice(0, 3), ...entries.slice(4)]), { code: 'OUTBOX_GAP', atSeq: 4 }, 'a dropped entry')
  const swapped = clone(entries)
  ;[swapped[2], swapped[3]] = [swapped[3]!, swapped[2]!]
  t.ok(verifyRun(swapped), 'swapped entries')
})

t.test('planAppend: new entries, a resent prefix, a gap, a resent seq with another hash', async (t) => {
  const entries = chain('kiosk-1', 10)
  const genesis = { seq: 0, hash: genesisHash('kiosk-1') }
  const stored = new Map(entries.slice(0, 6).map((e) => [e.seq, e.hash]))
  const head6 = { seq: 6, hash: entries[5]!.hash }

  const first = planAppend(genesis, new Map(), entries.slice(0, 6))
  t.same(first.ok && { n: first.fresh.length, head: first.head }, { n: 6, head: head6 }, 'from genesis')
  const resent = planAppend(head6, stored, entries.slice(3, 10))
  t.same(
    resent.ok && { n: resent.fresh.map((e) => e.seq), again: resent.alreadyStored, head: resent.head.seq },
    { n: [7, 8, 9, 10], again: 3, head: 10 },
    'overlap',
  )
  const replay = planAppend(head6, stored, entries.slice(0, 4))
  t.same(
    replay.ok && { n: replay.fresh.length, again: replay.alreadyStored, head: replay.head },
    { n: 0, again: 4, head: head6 },
    'an old batch: acknowledged with the current head',
  )

  t.same(
    planAppend(head6, stored, entries.slice(7)),
    { ok: false, problem: { code: 'OUTBOX_GAP', atSeq: 7 } },
    'starts past head + 1',
  )
  const forked = chain('kiosk-1', 10)
  ;(forked[4]!.event as { decision: string }).decision = 'REJECT'
  let prev = forked[3]!.hash
  for (let i = 4; i < 10; i++) {
    forked[i]!.prevHash = prev
    forked[i]!.hash = entryHash(prev, forked[i]!.seq, forked[i]!.event, null)
    prev = forked[i]!.hash
  }
  t.equal(verifyRun(forked), null, 'the fork is a valid run on its own')
  t.same(
    planAppend(head6, stored, forked.slice(3)),
    { ok: false, problem: { code: 'OUTBOX_CHAIN_BROKEN', atSeq: 5 } },
    'a stored seq resent with another hash',
  )
  t.same(
    planAppend(genesis, new Map(), chain('kiosk-2', 3)),
    { ok: false, problem: { code: 'OUTBOX_CHAIN_BROKEN', atSeq: 1 } },
    "another kiosk's chain",
  )
})
