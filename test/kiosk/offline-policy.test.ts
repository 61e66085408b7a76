import t from 'tap'
import { checkClock } from '../../kiosk-sim/offline/clock-trust.ts'
import { offlineVerdict, type OfflineLimits, type OfflineSituation } from '../../kiosk-sim/offline/offline-policy.ts'

const contact = { serverTimeMs: 1_800_000_000_000, monotonicMs: 50_000 }
const limits: OfflineLimits = { enabled: true, maxRevocationAgeMs: 30 * 60_000, clockToleranceMs: 5_000 }
/** Ten minutes after the contact, clocks in agreement. */
const sane: OfflineSituation = {
  contact,
  revocationListGeneratedAtMs: contact.serverTimeMs - 1_000,
  keysFresh: true,
  lastEventAtMs: contact.serverTimeMs + 60_000,
  now: { wallMs: contact.serverTimeMs + 600_000, monotonicMs: contact.monotonicMs + 600_000 },
}
const at = (patch: Partial<OfflineSituation>) => offlineVerdict({ ...sane, ...patch }, limits)

t.test('a sane clock is trusted; skew, a rollback and a restarted monotonic clock are not', async (t) => {
  t.same(checkClock(contact, sane.now, sane.lastEventAtMs, 5_000), { trusted: true }, 'sane')
  t.same(
    checkClock(contact, { ...sane.now, wallMs: sane.now.wallMs + 4_900 }, null, 5_000),
    { trusted: true },
    'within tolerance',
  )
  t.same(
    checkClock(contact, { ...sane.now, wallMs: sane.now.wallMs + 5_100 }, null, 5_000),
    { trusted: false, why: 'skew' },
    'moved forward',
  )
  t.same(
    checkClock(contact, { ...sane.now, wallMs: sane.now.wallMs - 3_600_000 }, null, 5_000),
    { trusted: false, why: 'skew' },
    'moved back an hour',
  )
  t.same(
    checkClock(contact, sane.now, sane.now.wallMs + 1, 5_000),
    { trusted: false, why: 'rollback' },
    'before the last event written',
  )
  t.same(
    checkClock(contact, { wallMs: sane.now.wallMs, monotonicMs: 10 }, null, 5_000),
    { trusted: false, why: 'monotonic-reset' },
    'another process',
  )
  t.same(checkClock(null, sane.now, null, 5_000), { trusted: false, why: 'no-contact' })
})

t.test('offline mode: allowed when everything is in bounds, refused with a reason otherwise', async (t) => {
  t.same(at({}), { allowed: true })
  t.same(offlineVerdict(sane, { ...limits, enabled: false }), { allowed: false, reason: 'OFFLINE_NOT_ALLOWED' })
  t.same(
    at({ contact: null }),
    { allowed: false, reason: 'OFFLINE_NOT_ALLOWED' },
    'never reached the server in this run',
  )
  t.same(
    at({ now: { ...sane.now, wallMs: sane.now.wallMs - 86_400_000 } }),
    { allowed: false, reason: 'CLOCK_UNTRUSTED' },
    'clock set back a day',
  )
  t.same(at({ keysFresh: false }), { allowed: false, reason: 'STALE_KEYS' })
  t.same(at({ revocationListGeneratedAtMs: null }), { allowed: false, reason: 'REVOCATION_LIST_STALE' }, 'no list')
  t.same(
    at({ revocationListGeneratedAtMs: contact.serverTimeMs - 20 * 60_000 - 1 }),
    { allowed: false, reason: 'REVOCATION_LIST_STALE' },
    'list 30 min + 1 ms old',
  )
  t.same(
    at({ revocationListGeneratedAtMs: contact.serverTimeMs - 20 * 60_000 }),
    { allowed: true },
    'twin: exactly 30 min old',
  )
  // The list's age runs on the monotonic clock: a wall clock moved back cannot make it young again.
  const later = { wallMs: sane.now.wallMs + 3_600_000, monotonicMs: sane.now.monotonicMs + 3_600_000 }
  t.same(at({ now: later }), { allowed: false, reason: 'REVOCATION_LIST_STALE' }, 'an hour later')
})
