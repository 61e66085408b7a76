import t from 'tap'
import { buildLoadtestReport, formatLoadtestReport } from '../../kiosk-sim/loadtest/loadtest-report.ts'
import { DECISION_COLOURS, decisionColour, formatValue, loadtestHtml } from '../../kiosk-sim/loadtest/loadtest-html.ts'
import { DEFAULT_MIX, type PlannedPassenger } from '../../kiosk-sim/loadtest/passenger-plan.ts'
import type { ClearanceRecord } from '../../kiosk-sim/gate/clearance-record.ts'

const timings = (total: number) => ({
  decodeMs: 5,
  verifyMs: 3,
  detectMs: 50,
  embedMs: 40,
  livenessMs: 10,
  matchMs: 0.1,
  totalMs: total,
})
const record = (decision: ClearanceRecord['decision'], reason: string | null, total: number, kioskId = 'k1') =>
  ({
    eventId: 'e',
    kioskId,
    controlPoint: 'cp',
    channel: 'contactless',
    decision,
    reason,
    score: null,
    modelVersion: null,
    kid: null,
    jtiHash: null,
    occurredAt: 0,
    timings: timings(total),
  }) as ClearanceRecord
const plan = (
  scenario: 'genuine' | 'impostor' | 'spoof',
  approve: boolean,
  reason: string | null,
): PlannedPassenger => ({
  seq: 0,
  channel: 'contactless',
  scenario,
  tokenOf: 0,
  faceOf: 0,
  replayOf: null,
  attack: scenario === 'spoof' ? { species: 'synthetic-screen', frame: 0 } : null,
  truth: { approve, reason },
})

t.test('the report counts throughput, truth, share and lost events', async (t) => {
  const report = buildLoadtestReport({
    kioskIds: ['k1', 'k2'],
    records: [
      { record: record('APPROVE', null, 100), plan: plan('genuine', true, null) },
      { record: record('REJECT', 'FACE_MISMATCH', 120, 'k2'), plan: plan('genuine', true, null) },
      { record: record('APPROVE', null, 110, 'k2'), plan: plan('impostor', false, 'FACE_MISMATCH') },
      { record: record('REFER_TO_OFFICER', 'SPOOF_SUSPECTED', 90), plan: plan('spoof', false, null) },
    ],
    wallSec: 2,
    setupSec: 1,
    conventionalSent: 6,
    eventsSent: 10,
    eventsStored: 10,
    serverShare: 0.4,
    configuredShare: 0.32,
    serverLatency: [
      { p50: 1, p95: 2, p99: 3 },
      { p50: 2, p95: 4, p99: 9 },
    ],
    workerErrors: 0,
    serverUrls: ['http://127.0.0.1:1'],
    mix: DEFAULT_MIX,
  })
  t.equal(report.clearancesPerSecond, 2)
  t.same(report.clearancesPerSecondPerKiosk, { k1: 1, k2: 1 })
  t.equal(report.equivalentGates, 14, '2 per second at 7 s each')
  t.equal(report.falseAccepts, 1)
  t.equal(report.falseRejects, 1)
  t.equal(report.asExpected, 2, 'the genuine approve and the refused spoof')
  t.equal(report.latencyMs.total.p95, 120)
  t.same(report.serverLatencyMs, { p50: 2, p95: 4, p99: 9 }, 'the worst kiosk')
  t.equal(report.lostEvents, 0)
  t.same(report.decisions.genuine, { APPROVE: 1, 'REJECT(FACE_MISMATCH)': 1 })
  t.equal(report.share.reference, 0.32)
  const lossy = buildLoadtestReport({
    kioskIds: ['k1'],
    records: [],
    wallSec: 1,
    setupSec: 0,
    conventionalSent: 0,
    eventsSent: 5,
    eventsStored: 3,
    serverShare: null,
    configuredShare: 0.32,
    serverLatency: [],
    workerErrors: 0,
    serverUrls: [],
    mix: DEFAULT_MIX,
  })
  t.equal(lossy.lostEvents, 2, 'events sent but not stored are lost')
  const html = loadtestHtml(report)
  t.match(html, /^<!doctype html>/)
  t.equal((html.match(/<svg /g) ?? []).length, 3, 'three inline charts')
  t.match(html, /with 2 kiosks,/)
  t.notMatch(html, /<script|(src|href)=["']?https?:/, 'no scripts, no external assets')
})

t.test('APCER per species: attacks approved of those presented; the HTML says so with integer counts', async (t) => {
  const spoof = (species: 'printed-photo' | 'synthetic-screen'): PlannedPassenger => ({
    ...plan('spoof', false, null),
    attack: { species, frame: 0 },
  })
  const report = buildLoadtestReport({
    kioskIds: ['k1'],
    records: [
      { record: record('APPROVE', null, 100), plan: spoof('printed-photo') },
      { record: record('REFER_TO_OFFICER', 'SPOOF_SUSPECTED', 100), plan: spoof('printed-photo') },
      { record: record('REFER_TO_OFFICER', 'SPOOF_SUSPECTED', 100), plan: spoof('printed-photo') },
      { record: record('REFER_TO_OFFICER', 'NO_FACE', 100), plan: spoof('synthetic-screen') },
      { record: record('APPROVE', null, 100), plan: plan('genuine', true, null) },
    ],
    wallSec: 1,
    setupSec: 0,
    conventionalSent: 0,
    eventsSent: 5,
    eventsStored: 5,
    serverShare: null,
    configuredShare: 0.32,
    serverLatency: [],
    workerErrors: 0,
    serverUrls: [],
    mix: DEFAULT_MIX,
  })
  t.same(report.attacks, {
    'printed-photo': { k: 1, n: 3, rate: 1 / 3 },
    'synthetic-screen': { k: 0, n: 1, rate: 0 },
  })
  t.equal(report.falseAccepts, 1)
  t.match(
    formatLoadtestReport(report),
    /attacks approved \(APCER\): printed-photo 1\/3 \(33\.3%\), synthetic-screen 0\/1/,
  )
  const html = loadtestHtml(report)
  t.match(html, /with 1 kiosk,/, 'singular')
  t.match(html, /<td>printed-photo<\/td><td>1 \/ 3<\/td><td>33\.3%<\/td>/)
  t.match(html, />1<\/text>/, 'a count of 1 reads 1, not 1.0')
  t.notMatch(html, />1\.0<\/text>/)
  t.match(html, new RegExp(`fill="${DECISION_COLOURS.APPROVE}"`), 'approvals in the approve colour')
  t.match(html, new RegExp(`fill="${DECISION_COLOURS.REFER_TO_OFFICER}"`), 'referrals in the refer colour')
  const none = buildLoadtestReport({ ...emptyInput(), records: [] })
  t.same(none.attacks['printed-photo'], { k: 0, n: 0, rate: null })
  t.match(formatLoadtestReport(none), /printed-photo none presented/)
})

t.test('decision colours and value formats', async (t) => {
  t.equal(decisionColour('REFER_TO_OFFICER(SPOOF_SUSPECTED)'), DECISION_COLOURS.REFER_TO_OFFICER)
  t.equal(decisionColour('APPROVE'), DECISION_COLOURS.APPROVE)
  t.equal(decisionColour('REJECT(FACE_MISMATCH)'), DECISION_COLOURS.REJECT)
  t.equal(formatValue(3, ''), '3')
  t.equal(formatValue(3.25, 'ms'), '3.3 ms')
  t.equal(formatValue(32.4, '%'), '32 %')
})

function emptyInput() {
  return {
    kioskIds: ['k1'],
    wallSec: 1,
    setupSec: 0,
    conventionalSent: 0,
    eventsSent: 0,
    eventsStored: 0,
    serverShare: null,
    configuredShare: 0.32,
    serverLatency: [],
    workerErrors: 0,
    serverUrls: [],
    mix: DEFAULT_MIX,
  }
}
