// The browser-frame adapter of the live gate, over fake frames: JSON "images" that say what the camera sees
// ({"qr":"T","faces":[]} or {"faces":[{"axis":0}]}), the fake engine, and a fake token check.
import t from 'tap'
import type { ClearanceEvidence } from '../../kiosk-sim/gate/decide.ts'
import type { Decision } from '../../contract/decision-reasons.ts'
import { defaultLiveGateConfig } from '../../kiosk-sim/gate/gate-state-machine.ts'
import type { TokenAdmission } from '../../kiosk-sim/gate/admit-token.ts'
import type { ClearanceRecord, StageTimings } from '../../kiosk-sim/gate/clearance-record.ts'
import { BrowserGate } from '../../kiosk-sim/serve/browser-gate.ts'
import { fakeFaceEngine } from '../helpers/fake-engine.ts'
import { TEST_MODEL, testThresholds as policy, unitVector } from '../helpers/faces.ts'

const frame = (value: unknown) => new Uint8Array(Buffer.from(JSON.stringify(value)))
const phone = (text: string) => frame({ qr: text, faces: [] })
const faces = (...axes: number[]) => frame({ faces: axes.map((axis) => ({ axis })) })
const empty = frame({ faces: [] })

const claims = { iss: 'i', aud: 'a', sub: 'subject-1', jti: 'j'.repeat(16), iat: 1, nbf: 1, exp: 100 }
const admittedEvidence: ClearanceEvidence = {
  qrText: 'T',
  keysFresh: true,
  token: { ok: true, kid: 'k', claims },
  ledger: 'consumed',
  template: { model: TEST_MODEL },
}
const admitted: TokenAdmission = {
  verdict: { decision: 'PENDING', needs: 'faces' },
  evidence: admittedEvidence,
  template: unitVector(0),
  kid: 'k',
  jtiHash: 'a'.repeat(64),
  verifyMs: 3,
}
const forged: TokenAdmission = {
  verdict: { decision: 'REJECT', reason: 'TOKEN_INVALID' },
  evidence: {},
  template: null,
  kid: null,
  jtiHash: null,
  verifyMs: 1,
}

function rig(options: { admit?: (text: string) => Promise<TokenAdmission>; challenge?: boolean } = {}) {
  let now = 1_000_000
  const engine = fakeFaceEngine()
  const records: Array<{ decision: Decision; timings: StageTimings; kid: string | null }> = []
  const verified: string[] = []
  const gate = new BrowserGate({
    engine,
    config: {
      ...defaultLiveGateConfig(policy),
      framesToFuse: 3,
      faceWindowMs: 4_000,
      holdMs: 4_000,
      ...(options.challenge ? {} : { challenge: null }),
    },
    // 0.5: TURN_RIGHT.
    random: () => 0.5,
    // The fake frames are JSON: they stay bytes, for the fake QR decoder and the fake engine alike.
    decodeFrame: async (bytes) => bytes,
    decodeQr: async (image) => {
      const parsed = JSON.parse(Buffer.from(image as Uint8Array).toString()) as { qr?: string }
      return parsed.qr ? { text: parsed.qr, ms: 7 } : null
    },
    admit:
      options.admit ??
      (async (text) => {
        verified.push(text)
        return text === 'T' ? admitted : forged
      }),
    record: (decision, context, timings) => {
      records.push({ decision, timings: { ...timings }, kid: context.kid })
      return { ...decision } as unknown as ClearanceRecord
    },
    onDecision: () => undefined,
    now: () => now,
  })
  return { gate, engine, records, verified, advance: (ms: number) => (now += ms) }
}

t.test(
  'genuine: QR, three face frames fused, APPROVE held, then the next passenger; the same token is not read again',
  async (t) => {
    const { gate, records, verified, advance } = rig()
    t.match(await gate.onFrame(empty), { phase: 'WAITING_FOR_QR', decision: null, decisionSeq: 0, skipped: false })
    t.match(
      await gate.onFrame(phone('T')),
      { phase: 'CAPTURING_FACE', skipped: false },
      'the QR frame is answered after the token stages',
    )
    advance(1_000)
    t.match(await gate.onFrame(empty), { phase: 'CAPTURING_FACE' }, 'no face yet: keep looking')
    t.match(await gate.onFrame(faces(0)), { phase: 'CAPTURING_FACE' })
    t.match(await gate.onFrame(faces(0)), { phase: 'CAPTURING_FACE' })
    const decided = await gate.onFrame(faces(0))
    t.same(
      Object.keys(decided).sort(),
      ['decision', 'decisionSeq', 'frameMs', 'instruction', 'phase', 'skipped'],
      'the screen learns nothing else',
    )
    t.match(
      decided,
      { phase: 'DECIDED', decision: 'APPROVE', decisionSeq: 1 },
      'the third face frame is answered with the decision',
    )
    t.same(
      records.map((r) => r.decision),
      [{ decision: 'APPROVE', reason: null }],
    )
    const timings = records[0]!.timings
    t.equal(timings.decodeMs, 7)
    t.equal(timings.verifyMs, 3)
    // The fake engine spends 1 ms on each of decode, detect, embed and liveness per frame.
    t.same(
      [timings.detectMs, timings.embedMs, timings.livenessMs],
      [8, 4, 4],
      'stage times are sums over the 4 capture frames (1 empty, 3 with the face)',
    )
    t.equal(
      timings.totalMs,
      4 + 7 + 3 + 8 + 4 + 4,
      "total: the look beside the phone, QR, token stages, capture frames; not the passenger's second",
    )
    t.equal(records[0]!.kid, 'k')
    t.match(
      await gate.onFrame(faces(0)),
      { phase: 'DECIDED', skipped: true },
      'frames are not looked at while the decision shows',
    )
    advance(4_000)
    t.match(gate.state(), { phase: 'WAITING_FOR_QR', decision: null, decisionSeq: 1 })
    t.match(
      await gate.onFrame(phone('T')),
      { phase: 'WAITING_FOR_QR' },
      'the same token in view again is not a new passenger',
    )
    t.same(verified, ['T'])
  },
)

t.test('impostor: another face is REJECT', async (t) => {
  const { gate } = rig()
  await gate.onFrame(phone('T'))
  for (let i = 0; i < 2; i++) await gate.onFrame(faces(3))
  t.match(await gate.onFrame(faces(3)), { phase: 'DECIDED', decision: 'REJECT' })
})

t.test('a bad token decides on the QR frame, without capture', async (t) => {
  const { gate, engine, records } = rig()
  t.match(await gate.onFrame(phone('forged')), { phase: 'DECIDED', decision: 'REJECT', decisionSeq: 1 })
  t.equal(engine.calls, 1, 'only the look beside the phone')
  t.same(records[0]!.decision, { decision: 'REJECT', reason: 'TOKEN_INVALID' })
})

t.test('no face in the window refers; a second person refers at once', async (t) => {
  const { gate, records, advance } = rig()
  await gate.onFrame(phone('T'))
  advance(4_001)
  t.match(gate.state(), { phase: 'DECIDED', decision: 'REFER_TO_OFFICER' }, 'time alone closes the window')
  t.same(records[0]!.decision, { decision: 'REFER_TO_OFFICER', reason: 'NO_FACE' })
  const second = rig()
  await second.gate.onFrame(phone('T'))
  t.match(await second.gate.onFrame(faces(0, 1)), { phase: 'DECIDED', decision: 'REFER_TO_OFFICER' })
  t.same(second.records[0]!.decision, { decision: 'REFER_TO_OFFICER', reason: 'MULTIPLE_FACES' })
})

t.test('fails closed: an unreadable face frame or a failing token check refers', async (t) => {
  const { gate, records } = rig()
  await gate.onFrame(phone('T'))
  t.match(await gate.onFrame(new Uint8Array([1, 2, 3])), { phase: 'DECIDED', decision: 'REFER_TO_OFFICER' })
  t.same(records[0]!.decision, { decision: 'REFER_TO_OFFICER', reason: 'INTERNAL_ERROR' })
  const broken = rig({ admit: async () => Promise.reject(new Error('boom')) })
  t.match(await broken.gate.onFrame(phone('T')), { phase: 'DECIDED', decision: 'REFER_TO_OFFICER' })
  t.same(broken.records[0]!.decision, { decision: 'REFER_TO_OFFICER', reason: 'INTERNAL_ERROR' })
})

t.test(
  'an unusable frame while waiting is not a QR; a frame that arrives while the gate works is skipped',
  async (t) => {
    const { gate, verified } = rig()
    t.match(await gate.onFrame(new Uint8Array([0xff, 0xd8])), { phase: 'WAITING_FOR_QR', skipped: false })
    const [a, b] = await Promise.all([gate.onFrame(phone('T')), gate.onFrame(phone('T'))])
    t.equal(a.skipped, false)
    t.equal(b.skipped, true, 'one frame at a time')
    t.same(verified, ['T'], 'one passenger, not two')
  },
)

t.test(
  'the liveness challenge: the screen shows the instruction; a turn answers it, a still face does not',
  async (t) => {
    const turning = (parallax: number) => frame({ faces: [{ axis: 0, parallax }] })
    const start = async () => {
      const r = rig({ challenge: true })
      await r.gate.onFrame(phone('T'))
      for (let i = 0; i < 3; i++) {
        r.advance(200)
        await r.gate.onFrame(turning(0))
      }
      return r
    }
    const answered = await start()
    t.match(answered.gate.state(), {
      phase: 'CHALLENGING',
      decision: null,
      instruction: 'Please turn your head to the right',
    })
    for (const parallax of [0, 0, 0, -0.1, -0.2]) {
      answered.advance(200)
      t.match(await answered.gate.onFrame(turning(parallax)), { phase: 'CHALLENGING' })
    }
    answered.advance(200)
    t.match(await answered.gate.onFrame(turning(-0.22)), { phase: 'DECIDED', decision: 'APPROVE', instruction: null })
    t.same(
      answered.records.map((r) => r.decision),
      [{ decision: 'APPROVE', reason: null }],
    )

    const still = await start()
    for (let i = 0; i < 30; i++) {
      still.advance(200)
      await still.gate.onFrame(turning(0.01))
    }
    t.match(still.gate.state(), { phase: 'DECIDED', decision: 'REFER_TO_OFFICER', instruction: null })
    t.same(
      still.records.map((r) => r.decision),
      [{ decision: 'REFER_TO_OFFICER', reason: 'LIVENESS_CHALLENGE_FAILED' }],
    )
  },
)
