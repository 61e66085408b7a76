// The behaviour every Store must have. Each store's test file runs this suite unchanged against a fresh store.
import { randomUUID } from 'node:crypto'
import type { Test } from 'tap'
import { entryHash, genesisHash, jtiHash, type OfflineJtiClaim } from '../../lib/outbox-chain.ts'
import {
  EventIdConflictError,
  type ClearanceEvent,
  type NewResident,
  type OutboxEntry,
  type Store,
} from '../../server/store/store.ts'

type MakeStore = () => Promise<Store>
/** Runs raw SQL on the store's own database, to prove what the database itself refuses. */
export type RawSql = (store: Store, sql: string) => Promise<unknown>

/** Brings a new store's database to `version` the way a release of that version would have left it. */
export type MigrateTo = (store: Store, version: number) => Promise<void>

export function storeContract(t: Test, name: string, makeStore: MakeStore, rawSql: RawSql, migrateTo: MigrateTo): void {
  /** A migrated store of its own, closed at the end of the subtest. */
  const fresh = async (t: Test) => {
    const store = await makeStore()
    t.teardown(() => store.close())
    await store.migrate()
    return store
  }

  t.test(`${name}: migrate is idempotent`, async (t) => {
    const store = await makeStore()
    t.teardown(() => store.close())
    await store.migrate()
    await store.migrate()
    t.equal(await store.countEvents(), 0, 'empty after two migrations')
    t.equal(await store.createResident(newResident()), 'created', 'usable after two migrations')
    await store.migrate()
    t.equal((await store.listActiveTemplates()).length, 1, 'a third migration keeps the data')
  })

  t.test(`${name}: residents by id, subject and credential hash`, async (t) => {
    const store = await fresh(t)
    const adult = newResident()
    const minor = newResident({ guardianConsent: true })
    t.equal(await store.createResident(adult), 'created')
    t.equal(await store.createResident(minor), 'created')
    const expected = { ...adult.resident, status: 'active', revokedAt: null }
    t.strictSame(await store.getResident(adult.resident.residentId), expected, 'by id')
    t.strictSame(await store.getResidentBySubject(adult.resident.subject), expected, 'by subject')
    t.strictSame(await store.getResidentByCredentialHash(adult.credentialHash), expected, 'by credential hash')
    t.equal((await store.getResident(minor.resident.residentId))?.guardianConsent, true, 'guardian consent true')
    t.equal((await store.getResident(adult.resident.residentId))?.guardianConsent, false, 'guardian consent false')
    t.equal(await store.getResident('no-such-id'), null, 'unknown id')
    t.equal(await store.getResidentBySubject('no-such-subject'), null, 'unknown subject')
    t.equal(await store.getResidentByCredentialHash('no-such-hash'), null, 'unknown hash')
  })

  t.test(`${name}: a second create with the same id is 'exists' and stores no second template`, async (t) => {
    const store = await fresh(t)
    const first = newResident()
    t.equal(await store.createResident(first), 'created')
    const again = newResident({ residentId: first.resident.residentId })
    t.equal(await store.createResident(again), 'exists')
    t.equal(await store.getTemplate(again.template.subject), null, 'no template for the second subject')
    t.equal(await store.getResidentBySubject(again.resident.subject), null, 'no resident under the second subject')
    t.equal(await store.getResidentByCredentialHash(again.credentialHash), null, 'the second credential is not stored')
    t.equal(
      (await store.getResident(first.resident.residentId))?.subject,
      first.resident.subject,
      'the first resident is kept',
    )
    t.equal((await store.listActiveTemplates()).length, 1, 'one template in all')
    const other = newResident()
    t.equal(await store.createResident(other), 'created', 'twin: another id is created')
    t.equal((await store.listActiveTemplates()).length, 2)
  })

  t.test(`${name}: revoke is true once, and revoked templates are not listed`, async (t) => {
    const store = await fresh(t)
    const kept = newResident()
    const revoked = newResident()
    await store.createResident(kept)
    await store.createResident(revoked)
    const at = '2026-03-04T05:06:07.890Z'
    t.equal(await store.revokeResident(revoked.resident.residentId, at), true, 'first revoke')
    t.equal(await store.revokeResident(revoked.resident.residentId, '2026-03-05T00:00:00.000Z'), false, 'second revoke')
    t.equal(await store.revokeResident('no-such-id', at), false, 'unknown id')
    t.strictSame(
      await store.getResident(revoked.resident.residentId),
      { ...revoked.resident, status: 'revoked', revokedAt: at },
      'first revokedAt kept',
    )
    t.strictSame(
      await store.getResident(kept.resident.residentId),
      { ...kept.resident, status: 'active', revokedAt: null },
      'twin stays active',
    )
    const active = await store.listActiveTemplates()
    t.strictSame(
      active.map((a) => a.residentId),
      [kept.resident.residentId],
      'only the active resident',
    )
    t.not(await store.getTemplate(revoked.template.subject), null, 'the revoked template itself is kept')
  })

  t.test(`${name}: the template change feed lists adds and removals in order, with the added template`, async (t) => {
    const store = await fresh(t)
    t.equal(await store.templateChangesHead(), 0, 'empty feed: head 0')
    t.strictSame(await store.listTemplateChanges(0, 10), [], 'empty feed: no changes')
    const first = newResident()
    const second = newResident()
    await store.createResident(first)
    await store.createResident(second)
    t.equal(await store.createResident(newResident({ residentId: first.resident.residentId })), 'exists')
    t.equal(await store.revokeResident(first.resident.residentId, '2026-03-04T05:06:07.890Z'), true)
    t.equal(
      await store.revokeResident(first.resident.residentId, '2026-03-04T05:06:08.890Z'),
      false,
      'a second revoke adds no change',
    )
    const changes = await store.listTemplateChanges(0, 10)
    t.strictSame(
      changes.map((c) => [c.residentId, c.change]),
      [
        [first.resident.residentId, 'added'],
        [second.resident.residentId, 'added'],
        [first.resident.residentId, 'removed'],
      ],
      'an "exists" create and a repeated revoke leave no change behind',
    )
    t.ok(
      changes.every((c, i) => i === 0 || c.seq > changes[i - 1]!.seq),
      'seq increases',
    )
    t.equal(await store.templateChangesHead(), changes[2]!.seq, 'head is the last seq')
    t.strictSame(changes[1]!.template, second.template, 'an add carries its template')
    t.equal(changes[2]!.template, null, 'a removal carries none')
    t.strictSame(
      (await store.listTemplateChanges(changes[0]!.seq, 10)).map((c) => c.seq),
      [changes[1]!.seq, changes[2]!.seq],
      'after a seq',
    )
    t.strictSame(
      (await store.listTemplateChanges(0, 1)).map((c) => c.seq),
      [changes[0]!.seq],
      'limit',
    )
  })

  t.test(`${name}: a template keeps its photo count, in every read`, async (t) => {
    const store = await fresh(t)
    const three = newResident({ photos: 3 })
    const one = newResident()
    await store.createResident(three)
    await store.createResident(one)
    t.equal((await store.getTemplate(three.template.subject))?.photos, 3, 'getTemplate: 3')
    t.equal((await store.getTemplate(one.template.subject))?.photos, 1, 'twin: 1')
    const listed = new Map((await store.listActiveTemplates()).map((x) => [x.residentId, x.photos]))
    t.equal(listed.get(three.resident.residentId), 3, 'listActiveTemplates')
    const feed = new Map((await store.listTemplateChanges(0, 10)).map((c) => [c.residentId, c.template?.photos]))
    t.equal(feed.get(three.resident.residentId), 3, 'the change feed')
    await t.rejects(store.createResident(newResident({ photos: 0 })), 'a photo count of 0 is refused by the database')
  })

  t.test(`${name}: withEnrolmentLock runs one section at a time and returns its value`, async (t) => {
    const store = await fresh(t)
    let inside = 0
    let overlapped = false
    const section = (value: number) => async () => {
      inside++
      if (inside > 1) overlapped = true
      await new Promise((resolve) => setTimeout(resolve, 5))
      inside--
      return value
    }
    const values = await Promise.all([1, 2, 3, 4].map((v) => store.withEnrolmentLock(section(v), 5_000)))
    t.strictSame(values, [1, 2, 3, 4], 'each section returns its own value')
    t.equal(overlapped, false, 'no two sections overlapped')
    await t.rejects(
      store.withEnrolmentLock(async () => {
        throw new Error('boom')
      }, 5_000),
      /boom/,
      'an error in the section reaches the caller',
    )
    t.equal(
      await store.withEnrolmentLock(async () => 'after', 5_000),
      'after',
      'twin: the lock is free again after an error',
    )
  })

  t.test(`${name}: replaceCredential only for an active resident`, async (t) => {
    const store = await fresh(t)
    const resident = newResident()
    await store.createResident(resident)
    t.equal(await store.replaceCredential(resident.resident.residentId, 'hash-new'), true)
    t.equal(
      (await store.getResidentByCredentialHash('hash-new'))?.residentId,
      resident.resident.residentId,
      'found by the new hash',
    )
    t.equal(await store.getResidentByCredentialHash(resident.credentialHash), null, 'not by the old hash')
    t.equal(await store.replaceCredential('no-such-id', 'hash-other'), false, 'unknown id')
    await store.revokeResident(resident.resident.residentId, '2026-03-04T05:06:07.890Z')
    t.equal(await store.replaceCredential(resident.resident.residentId, 'hash-newer'), false, 'revoked')
    t.equal(
      (await store.getResidentByCredentialHash('hash-new'))?.residentId,
      resident.resident.residentId,
      'the hash is unchanged',
    )
  })

  t.test(`${name}: sealed templates round-trip byte-exact`, async (t) => {
    const store = await fresh(t)
    const plain = newResident()
    // A view at a non-zero offset into a larger buffer: only the view's bytes are stored.
    const backing = new Uint8Array(awkwardBytes().length + 3)
    backing.set(awkwardBytes(), 2)
    const offset = newResident({ sealed: backing.subarray(2, 2 + awkwardBytes().length) })
    await store.createResident(plain)
    await store.createResident(offset)
    for (const input of [plain, offset]) {
      const stored = await store.getTemplate(input.template.subject)
      t.ok(stored?.sealed instanceof Uint8Array, 'a Uint8Array')
      t.strictSame(stored && Buffer.from(stored.sealed), Buffer.from(input.template.sealed), 'same bytes')
      t.strictSame(
        stored && { ...stored, sealed: null },
        { ...input.template, sealed: null },
        'same model fields and dimensions',
      )
    }
    const listed = await store.listActiveTemplates()
    t.equal(listed.length, 2)
    for (const item of listed) {
      const input = [plain, offset].find((r) => r.resident.residentId === item.residentId)!
      t.equal(item.subject, input.template.subject)
      t.strictSame(Buffer.from(item.sealed), Buffer.from(input.template.sealed), 'listed: same bytes')
    }
    t.equal(await store.getTemplate('no-such-subject'), null, 'unknown subject')
  })

  t.test(`${name}: audit and clearance rows are append-only`, async (t) => {
    const store = await fresh(t)
    await store.appendAudit({
      at: '2026-01-01T00:00:00.000Z',
      kind: 'ENROLLED',
      actor: 'operator',
      subjectRef: 'ref-1',
      details: { model: 'm', ok: true, score: null },
    })
    await store.appendAudit({
      at: '2026-01-01T00:00:01.000Z',
      kind: 'REVOKED',
      actor: 'operator',
      subjectRef: null,
      details: {},
    })
    const audit = await store.listAudit(10)
    t.same(
      audit.map((a) => a.kind),
      ['REVOKED', 'ENROLLED'],
      'newest first',
    )
    t.ok(audit[0]!.seq > audit[1]!.seq, 'sequence increases')
    t.same(audit[1]!.details, { model: 'm', ok: true, score: null })
    t.equal((await store.listAudit(1)).length, 1, 'limit')
    await store.insertEvents([clearanceEvent(1)], 2)
    const raw = (sql: string) => rawSql(store, sql)
    await t.rejects(raw(`UPDATE audit_events SET kind = 'X'`), 'audit rows cannot be changed')
    await t.rejects(raw('DELETE FROM audit_events'), 'audit rows cannot be deleted')
    await t.rejects(raw(`UPDATE clearance_events SET decision = 'APPROVE'`), 'clearance rows cannot be changed')
    await t.rejects(raw('DELETE FROM clearance_events'), 'clearance rows cannot be deleted')
    t.equal((await store.listAudit(10)).length, 2, 'still there')
    t.equal(await store.countEvents(), 1, 'still there')
  })

  t.test(`${name}: enrolment reviews`, async (t) => {
    const store = await fresh(t)
    const review = {
      reviewId: randomUUID(),
      residentId: 'R-1',
      matchedResidentId: 'R-2',
      score: 0.1 + 0.2,
      createdAt: '2026-01-01T00:00:00.000Z',
    }
    await t.resolves(store.recordReview(review), 'recorded')
    await t.resolves(store.recordReview({ ...review, reviewId: randomUUID() }), 'twin: another review id')
    await t.rejects(store.recordReview(review), 'the same review id again is refused')
  })

  t.test(`${name}: consumeJti is true once per (iss, jti)`, async (t) => {
    const store = await fresh(t)
    const use = jtiUse('https://issuer.example', randomUUID())
    t.equal(await store.consumeJti(use), true, 'first use')
    t.equal(await store.consumeJti(use), false, 'replay')
    t.equal(
      await store.consumeJti({ ...use, kioskId: 'kiosk-other', consumedAt: new Date().toISOString() }),
      false,
      'replay at another kiosk',
    )
    t.equal(await store.consumeJti({ ...use, iss: 'https://other-issuer.example' }), true, 'same jti, other iss')
    t.equal(await store.consumeJti({ ...use, jti: randomUUID() }), true, 'same iss, other jti')
  })

  t.test(`${name}: 100 concurrent consumeJti calls on one jti, one true`, async (t) => {
    const store = await fresh(t)
    const use = jtiUse('https://issuer.example', randomUUID())
    const results = await Promise.all(
      Array.from({ length: 100 }, (_, i) => store.consumeJti({ ...use, kioskId: `kiosk-${i}` })),
    )
    t.equal(results.filter(Boolean).length, 1, 'exactly one')
    const twins = await Promise.all(
      Array.from({ length: 100 }, () => store.consumeJti(jtiUse('https://issuer.example', randomUUID()))),
    )
    t.equal(twins.filter(Boolean).length, 100, 'twin: 100 distinct jtis concurrently, all true')
  })

  t.test(`${name}: insertEvents is idempotent by eventId`, async (t) => {
    const store = await fresh(t)
    const batch = Array.from({ length: 5 }, (_, i) => clearanceEvent(1_760_000_000_000 + i))
    t.strictSame(await store.insertEvents(batch, 1_760_000_100_000), { inserted: 5, duplicates: 0 }, 'new batch')
    t.strictSame(
      await store.insertEvents(batch, 1_760_000_200_000),
      { inserted: 0, duplicates: 5 },
      'the same batch again',
    )
    const overlap = [...batch.slice(2), ...Array.from({ length: 4 }, (_, i) => clearanceEvent(1_760_000_000_100 + i))]
    t.strictSame(
      await store.insertEvents(overlap, 1_760_000_300_000),
      { inserted: 4, duplicates: 3 },
      'partial overlap',
    )
    const fresh1 = clearanceEvent(1_760_000_000_200)
    t.strictSame(
      await store.insertEvents([fresh1, fresh1], 1_760_000_300_000),
      { inserted: 1, duplicates: 1 },
      'a duplicate within a batch',
    )
    t.strictSame(await store.insertEvents([], 1_760_000_300_000), { inserted: 0, duplicates: 0 }, 'empty batch')
    t.equal(await store.countEvents(), 10, 'distinct events')
    const first = (await store.listEvents(0)).find((e) => e.eventId === batch[0]!.eventId)
    t.equal(first?.receivedAt, 1_760_000_100_000, 'a duplicate does not overwrite the first receipt')
  })

  t.test(`${name}: an event id is unique per kiosk: another kiosk's event with the same id is its own`, async (t) => {
    const store = await fresh(t)
    const mine = clearanceEvent(1_760_000_000_000)
    const theirs = { ...clearanceEvent(1_760_000_000_001), eventId: mine.eventId, kioskId: 'kiosk-2' }
    t.strictSame(await store.insertEvents([mine], 1), { inserted: 1, duplicates: 0 })
    t.strictSame(await store.insertEvents([theirs], 2), { inserted: 1, duplicates: 0 }, 'not dropped as a duplicate')
    const listed = await store.listEvents(0)
    t.strictSame(
      listed.map((e) => [e.kioskId, e.eventId, e.occurredAt]),
      [
        ['kiosk-1', mine.eventId, mine.occurredAt],
        ['kiosk-2', mine.eventId, theirs.occurredAt],
      ],
      'both kept, each with its own content',
    )
    t.strictSame(await store.insertEvents([mine, theirs], 3), { inserted: 0, duplicates: 2 }, 'twin: both resent')
  })

  t.test(`${name}: an event id resent with other content throws EventIdConflictError and stores nothing`, async (t) => {
    const store = await fresh(t)
    const rejected = {
      ...clearanceEvent(1_760_000_000_000),
      decision: 'REJECT' as const,
      reason: 'FACE_MISMATCH' as const,
    }
    await store.insertEvents([rejected], 1)
    const approved = { ...rejected, decision: 'APPROVE' as const, reason: null }
    const newcomer = clearanceEvent(1_760_000_000_001)
    const changes: Array<[string, ClearanceEvent]> = [
      ['the decision', approved],
      ['the score', { ...rejected, score: 0.5 }],
      ['occurredAt', { ...rejected, occurredAt: rejected.occurredAt + 1 }],
      ['a timing', { ...rejected, timings: { ...rejected.timings, totalMs: 1 } }],
      ['a null made a value', { ...rejected, kid: 'key-2' }],
    ]
    for (const [what, changed] of changes) {
      const attempt = store.insertEvents([newcomer, changed], 2)
      await t.rejects(attempt, EventIdConflictError, `${what} changed: refused`)
      await attempt.catch((error: EventIdConflictError) =>
        t.strictSame([error.kioskId, error.eventId], [rejected.kioskId, rejected.eventId], `${what}: names the event`),
      )
    }
    const within = { ...clearanceEvent(1_760_000_000_002) }
    await t.rejects(
      store.insertEvents([within, { ...within, score: 0.1 }], 3),
      EventIdConflictError,
      'one id twice in one batch, with two contents: refused',
    )
    t.strictSame(
      (await store.listEvents(0)).map((e) => [e.eventId, e.decision]),
      [[rejected.eventId, 'REJECT']],
      'the stored REJECT stays a REJECT, and nothing of the refused batches was stored',
    )
    t.strictSame(
      await store.insertEvents([newcomer, rejected], 4),
      { inserted: 1, duplicates: 1 },
      'twin: resent as is',
    )
  })

  t.test(`${name}: migration 6 keeps the events of a version-5 database and makes ids per kiosk`, async (t) => {
    const store = await makeStore()
    t.teardown(() => store.close())
    await migrateTo(store, 5)
    const old = clearanceEvent(1_760_000_000_000)
    const t0 = old.timings
    await rawSql(
      store,
      `INSERT INTO clearance_events (event_id, kiosk_id, control_point, channel, decision, reason, score,
         model_version, kid, jti_hash, occurred_at, received_at, decode_ms, verify_ms, detect_ms, embed_ms,
         liveness_ms, match_ms, total_ms)
       VALUES ('${old.eventId}', '${old.kioskId}', '${old.controlPoint}', '${old.channel}', '${old.decision}', NULL,
         ${old.score}, '${old.modelVersion}', '${old.kid}', '${old.jtiHash}', ${old.occurredAt}, 7, ${t0.decodeMs},
         ${t0.verifyMs}, ${t0.detectMs}, ${t0.embedMs}, ${t0.livenessMs}, ${t0.matchMs}, ${t0.totalMs})`,
    )
    await store.migrate()
    t.strictSame(await store.listEvents(0), [{ ...old, receivedAt: 7 }], 'the old event, every field, after migration')
    await t.rejects(
      store.insertEvents([{ ...old, score: 0.1 }], 8),
      EventIdConflictError,
      'a changed resend of the old event is refused',
    )
    const elsewhere = { ...old, kioskId: 'kiosk-2' }
    t.strictSame(await store.insertEvents([old, elsewhere], 9), { inserted: 1, duplicates: 1 }, 'ids are per kiosk')
    await t.rejects(rawSql(store, 'DELETE FROM clearance_events'), 'still append-only after the rebuild')
    await store.migrate()
    t.equal(await store.countEvents(), 2, 'a second migrate changes nothing')
  })

  t.test(`${name}: a batch with an invalid event stores nothing`, async (t) => {
    const store = await fresh(t)
    const good = clearanceEvent(1_760_000_000_000)
    const bad = { ...clearanceEvent(1_760_000_000_001), channel: 'teleport' } as unknown as ClearanceEvent
    await t.rejects(store.insertEvents([good, bad], 1_760_000_100_000), 'refused')
    t.equal(await store.countEvents(), 0, 'the valid event was rolled back with it')
    t.strictSame(
      await store.insertEvents([good], 1_760_000_100_000),
      { inserted: 1, duplicates: 0 },
      'twin: the valid event alone',
    )
  })

  t.test(`${name}: listEvents(since) in occurredAt order, every field round-tripped`, async (t) => {
    const store = await fresh(t)
    const base = 1_760_000_000_000
    const full: ClearanceEvent = {
      eventId: randomUUID(),
      kioskId: 'kiosk-LWS-07',
      controlPoint: 'Lo Wu',
      channel: 'conventional',
      decision: 'REFER_TO_OFFICER',
      reason: 'NO_FACE',
      score: 1 / 3,
      modelVersion: 'odd "text", {braces} \\ back\\slash, 中文',
      kid: 'NULL',
      jtiHash: 'a'.repeat(64),
      occurredAt: base + 20,
      timings: {
        decodeMs: 0.1,
        verifyMs: 1e-7,
        detectMs: 12.345678901234567,
        embedMs: 0,
        livenessMs: 99.9,
        matchMs: 2 ** -20,
        totalMs: 1234.5,
      },
    }
    const bare: ClearanceEvent = {
      ...clearanceEvent(base + 10),
      reason: null,
      score: null,
      modelVersion: null,
      kid: null,
      jtiHash: null,
    }
    const atSince = clearanceEvent(base)
    const beforeSince = clearanceEvent(base - 1)
    const latest = { ...clearanceEvent(Date.now() + 86_400_000), decision: 'APPROVE' as const, score: 0.1 + 0.2 }
    await store.insertEvents([full, beforeSince, latest], 1_760_000_500_001)
    await store.insertEvents([bare, atSince], 1_760_000_500_002)
    const listed = await store.listEvents(base)
    t.strictSame(
      listed.map((e) => e.eventId),
      [atSince, bare, full, latest].map((e) => e.eventId),
      'since is inclusive, ordered by occurredAt',
    )
    t.strictSame(listed[1], { ...bare, receivedAt: 1_760_000_500_002 }, 'nulls round-trip')
    t.strictSame(listed[2], { ...full, receivedAt: 1_760_000_500_001 }, 'every field round-trips')
    t.strictSame(listed[3], { ...latest, receivedAt: 1_760_000_500_001 }, 'a present-day epoch round-trips as a number')
    t.strictSame((await store.listEvents(base - 1)).length, 5, 'twin: one ms earlier includes the earlier event')
    t.strictSame(await store.listEvents(latest.occurredAt + 1), [], 'nothing after the latest')
    const count = await store.countEvents()
    t.equal(typeof count, 'number')
    t.equal(count, 5)
  })

  t.test(`${name}: outbox append from genesis; a resent prefix is acknowledged, nothing duplicated`, async (t) => {
    const store = await fresh(t)
    const entries = outboxChain('kiosk-1', 12)
    t.strictSame(
      await store.getOutboxHead('kiosk-1'),
      { seq: 0, hash: genesisHash('kiosk-1') },
      'genesis before the first entry',
    )
    const first = await store.appendOutbox('kiosk-1', entries.slice(0, 8), 1_760_000_100_000)
    t.strictSame(first, { ok: true, head: { seq: 8, hash: entries[7]!.hash }, stored: 8, alreadyStored: 0, flags: [] })
    const overlap = await store.appendOutbox('kiosk-1', entries.slice(5), 1_760_000_200_000)
    t.strictSame(
      overlap,
      { ok: true, head: { seq: 12, hash: entries[11]!.hash }, stored: 4, alreadyStored: 3, flags: [] },
      'overlap: only the new tail',
    )
    const replay = await store.appendOutbox('kiosk-1', entries.slice(0, 8), 1_760_000_300_000)
    t.strictSame(
      replay,
      { ok: true, head: { seq: 12, hash: entries[11]!.hash }, stored: 0, alreadyStored: 8, flags: [] },
      'a replayed batch',
    )
    t.equal(await store.countEvents(), 12, 'each event once')
    t.strictSame(await store.getOutboxHead('kiosk-1'), { seq: 12, hash: entries[11]!.hash })
    t.strictSame(await store.getOutboxHead('kiosk-2'), { seq: 0, hash: genesisHash('kiosk-2') }, 'heads are per kiosk')
    const stored = (await store.listEvents(0)).find((e) => e.eventId === entries[0]!.event.eventId)
    t.strictSame(
      stored,
      { ...entries[0]!.event, receivedAt: 1_760_000_100_000 },
      'the event round-trips, first receipt kept',
    )
  })

  t.test(`${name}: an outbox entry that reuses a stored event id with other content stores nothing`, async (t) => {
    const store = await fresh(t)
    const live = clearanceEvent(1_760_000_000_000)
    await store.insertEvents([live], 1)
    // Seq 2 carries the live event's id with other content: its chain is intact, its event is not.
    const changed = outboxChain('kiosk-1', 3, {}, undefined, { 2: live.eventId })
    await t.rejects(store.appendOutbox('kiosk-1', changed, 2), EventIdConflictError, 'refused')
    t.strictSame(await store.getOutboxHead('kiosk-1'), { seq: 0, hash: genesisHash('kiosk-1') }, 'the head stays')
    t.equal(await store.countEvents(), 1, 'no event of the run stored')
    const same = outboxChain('kiosk-1', 3, {}, undefined, { 2: live.eventId }, { 2: live })
    const stored = await store.appendOutbox('kiosk-1', same, 3)
    t.ok(stored.ok && stored.stored === 3, 'twin: an entry carrying the very event already stored is fine')
    t.equal(await store.countEvents(), 3, 'and the event is not stored twice')
  })

  t.test(`${name}: the same outbox batch sent twice at once is stored once`, async (t) => {
    const store = await fresh(t)
    const entries = outboxChain('kiosk-1', 50)
    const results = await Promise.all([
      store.appendOutbox('kiosk-1', entries, 1),
      store.appendOutbox('kiosk-1', entries, 2),
    ])
    t.same(
      results.map((r) => (r.ok ? [r.stored, r.alreadyStored, r.head.seq] : r.problem)).sort(),
      [
        [0, 50, 50],
        [50, 0, 50],
      ],
      'one stores, the other acknowledges',
    )
    t.equal(await store.countEvents(), 50)
    const other = outboxChain('kiosk-2', 50)
    const twins = await Promise.all([
      store.appendOutbox('kiosk-2', other.slice(0, 25), 3),
      store.appendOutbox('kiosk-3', outboxChain('kiosk-3', 25), 3),
    ])
    t.ok(
      twins.every((r) => r.ok && r.stored === 25),
      'twin: two kiosks at once, both stored',
    )
    t.equal(await store.countEvents(), 100)
  })

  t.test(`${name}: outbox gap and broken chain store nothing; the intact twin is stored`, async (t) => {
    const store = await fresh(t)
    const entries = outboxChain('kiosk-1', 10)
    await store.appendOutbox('kiosk-1', entries.slice(0, 4), 1)
    const gap = await store.appendOutbox('kiosk-1', entries.slice(5), 2)
    t.strictSame(
      gap,
      { ok: false, problem: { code: 'OUTBOX_GAP', atSeq: 5 }, head: { seq: 4, hash: entries[3]!.hash } },
      'gap',
    )
    const other = outboxChain('kiosk-1', 10)
    const forked = await store.appendOutbox('kiosk-1', other.slice(2, 6), 3)
    t.strictSame(
      forked.ok ? null : forked.problem,
      { code: 'OUTBOX_CHAIN_BROKEN', atSeq: 3 },
      'a stored seq resent with another hash',
    )
    const unlinked = await store.appendOutbox('kiosk-1', other.slice(4, 6), 4)
    t.strictSame(
      unlinked.ok ? null : unlinked.problem,
      { code: 'OUTBOX_CHAIN_BROKEN', atSeq: 5 },
      'a new entry not linked to the head',
    )
    t.equal(await store.countEvents(), 4, 'nothing stored by the refused batches')
    t.strictSame(await store.getOutboxHead('kiosk-1'), { seq: 4, hash: entries[3]!.hash }, 'head unchanged')
    const twin = await store.appendOutbox('kiosk-1', entries.slice(4), 5)
    t.strictSame(twin.ok && twin.head.seq, 10, 'twin: the true continuation is stored')
    t.equal(await store.countEvents(), 10)
    await t.rejects(rawSql(store, `UPDATE outbox_entries SET hash = 'x'`), 'chain entries cannot be changed')
    await t.rejects(rawSql(store, 'DELETE FROM outbox_entries'), 'chain entries cannot be deleted')
  })

  t.test(
    `${name}: offline token ids are consumed at sync; a second use is flagged and both events are kept`,
    async (t) => {
      const store = await fresh(t)
      const claim: OfflineJtiClaim = {
        iss: 'https://issuer.example',
        jti: randomUUID(),
        exp: Math.floor(Date.now() / 1000) + 120,
        sub: 'sub-nobody-123',
      }
      const kioskA = outboxChain('kiosk-a', 3, { 2: claim })
      const kioskB = outboxChain('kiosk-b', 2, { 1: claim })
      const a = await store.appendOutbox('kiosk-a', kioskA, 1_760_000_100_000)
      t.strictSame(a.ok && a.flags, [], 'first use: no flag')
      t.equal(
        await store.consumeJti({ ...jtiUse(claim.iss, claim.jti), kioskId: 'kiosk-c' }),
        false,
        'the ledger now holds the offline use',
      )
      const b = await store.appendOutbox('kiosk-b', kioskB, 1_760_000_200_000)
      const expected = {
        kind: 'JTI_DOUBLE_USE',
        kioskId: 'kiosk-b',
        seq: 1,
        eventId: kioskB[0]!.event.eventId,
        jtiHash: jtiHash(claim.iss, claim.jti),
        otherKioskId: 'kiosk-a',
        flaggedAt: 1_760_000_200_000,
      }
      t.strictSame(b.ok && b.flags, [expected], 'second use: flagged')
      t.strictSame(await store.listOfflineFlags(10), [expected], 'listed')
      const both = (await store.listEvents(0)).filter((e) => e.jtiHash === jtiHash(claim.iss, claim.jti))
      t.strictSame(both.map((e) => e.kioskId).sort(), ['kiosk-a', 'kiosk-b'], 'both events kept')
      const audit = (await store.listAudit(10)).find((e) => e.kind === 'OFFLINE_JTI_DOUBLE_USE')
      t.strictSame(
        audit?.details,
        { kioskId: 'kiosk-b', seq: 1, eventId: expected.eventId, jtiHash: expected.jtiHash, otherKioskId: 'kiosk-a' },
        'audited',
      )
      const again = await store.appendOutbox('kiosk-b', kioskB, 1_760_000_300_000)
      t.strictSame(again.ok && again.flags, [], 'a resend raises no second flag')
      t.equal((await store.listOfflineFlags(10)).length, 1)
    },
  )

  t.test(`${name}: revoked subjects are listed; an offline approval after the revocation is flagged`, async (t) => {
    const store = await fresh(t)
    const kept = newResident()
    const gone = newResident()
    await store.createResident(kept)
    await store.createResident(gone)
    t.strictSame(await store.listRevokedSubjects(), [], 'none yet')
    await store.revokeResident(gone.resident.residentId, new Date(1_760_000_000_000).toISOString())
    t.strictSame(await store.listRevokedSubjects(), [gone.resident.subject])
    const claim = (sub: string): OfflineJtiClaim => ({ iss: 'i', jti: randomUUID(), exp: 2_000_000_000, sub })
    const entries = outboxChain(
      'kiosk-1',
      3,
      { 1: claim(gone.resident.subject), 2: claim(kept.resident.subject), 3: claim(gone.resident.subject) },
      (seq) => (seq === 3 ? 1_759_999_999_999 : 1_760_000_000_500),
    )
    const result = await store.appendOutbox('kiosk-1', entries, 1_760_000_100_000)
    t.strictSame(
      result.ok && result.flags.map((f) => [f.kind, f.seq]),
      [['REVOKED_AT_USE', 1]],
      'after the revocation: flagged; an active resident and a use before it: not',
    )
    const audit = (await store.listAudit(10)).find((e) => e.kind === 'OFFLINE_REVOKED_AT_USE')
    t.equal(audit?.subjectRef, gone.resident.subject, 'the audit names the opaque subject')
  })
}

function newResident(
  overrides: { residentId?: string; guardianConsent?: boolean; sealed?: Uint8Array; photos?: number } = {},
): NewResident {
  const id = randomUUID()
  return {
    resident: {
      residentId: overrides.residentId ?? `R-${id}`,
      subject: `sub-${id}`,
      name: 'Chan Tai Man 陳大文',
      dateOfBirth: '1990-05-01',
      guardianConsent: overrides.guardianConsent ?? false,
      enrolledAt: '2026-01-02T03:04:05.678Z',
    },
    credentialHash: `hash-${id}`,
    template: {
      subject: `sub-${id}`,
      modelName: 'human-faceres',
      modelVersion: 'test-1',
      dimensions: 512,
      photos: overrides.photos ?? 1,
      sealed: overrides.sealed ?? awkwardBytes(),
    },
  }
}

/** Bytes that a text path would mangle: NULs, high bytes, an invalid UTF-8 sequence. */
function awkwardBytes(): Uint8Array {
  return Uint8Array.from({ length: 2077 }, (_, i) => [0, 0xff, 0xc3, 0x28, 0x5c, 0x27][i] ?? (i * 131 + 7) % 256)
}

function jtiUse(iss: string, jti: string) {
  return {
    iss,
    jti,
    expiresAtSec: Math.floor(Date.now() / 1000) + 120,
    kioskId: 'kiosk-1',
    consumedAt: new Date().toISOString(),
  }
}

function clearanceEvent(occurredAt: number): ClearanceEvent {
  return {
    eventId: randomUUID(),
    kioskId: 'kiosk-1',
    controlPoint: 'Lok Ma Chau',
    channel: 'contactless',
    decision: 'APPROVE',
    reason: null,
    score: 0.87,
    modelVersion: 'test-1',
    kid: 'key-1',
    jtiHash: 'f'.repeat(64),
    occurredAt,
    timings: {
      decodeMs: 1.5,
      verifyMs: 0.25,
      detectMs: 20.125,
      embedMs: 30.5,
      livenessMs: 15.75,
      matchMs: 0.0625,
      totalMs: 68.1875,
    },
  }
}

/** A valid chain of `count` entries for one kiosk; `claims` puts an offline token id on some seqs. */
function outboxChain(
  kioskId: string,
  count: number,
  claims: Record<number, OfflineJtiClaim> = {},
  occurredAt: (seq: number) => number = (seq) => 1_760_000_000_000 + seq,
  eventIds: Record<number, string> = {},
  events: Record<number, ClearanceEvent> = {},
): OutboxEntry[] {
  const entries: OutboxEntry[] = []
  let prevHash = genesisHash(kioskId)
  for (let seq = 1; seq <= count; seq++) {
    const jti = claims[seq] ?? null
    const event: ClearanceEvent = events[seq] ?? {
      ...clearanceEvent(occurredAt(seq)),
      ...(eventIds[seq] ? { eventId: eventIds[seq] } : {}),
      kioskId,
      jtiHash: jti ? jtiHash(jti.iss, jti.jti) : null,
    }
    const hash = entryHash(prevHash, seq, event, jti)
    entries.push({ seq, prevHash, hash, event, jti })
    prevHash = hash
  }
  return entries
}
