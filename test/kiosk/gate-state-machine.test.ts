// The live gate's state machine on synthetic analysed frames: each refusal has a twin that passes.
import t from 'tap'
import type { ClearanceEvidence } from '../../kiosk-sim/gate/decide.ts'
import {
  defaultLiveGateConfig,
  frameWork,
  initialGateState,
  stepGate,
  type GateInput,
  type GateOutcome,
  type GateState,
  type LiveGateConfig,
  type TokenOutcome,
} from '../../kiosk-sim/gate/gate-state-machine.ts'
import type { DetectedFace } from '../../models/face-types.ts'
import { face, testThresholds as policy, TEST_MODEL, unitVector } from '../helpers/faces.ts'

const config: LiveGateConfig = {
  ...defaultLiveGateConfig(policy),
  framesToFuse: 3,
  faceWindowMs: 1000,
  verifyTimeoutMs: 500,
  holdMs: 2000,
  // The capture rules alone; the liveness challenge's phase: gate-challenge.test.ts.
  challenge: null,
}
const claims = { iss: 'i', aud: 'a', sub: 'subject-1', jti: 'j'.repeat(16), iat: 1, nbf: 1, exp: 100 }
const admittedEvidence: ClearanceEvidence = {
  qrText: 'T',
  keysFresh: true,
  token: { ok: true, kid: 'k', claims },
  ledger: 'consumed',
  template: { model: TEST_MODEL },
}
/** The token stages passed; the enrolled template points along `axis`. */
const admitted = (axis = 0): TokenOutcome => ({
  verdict: { decision: 'PENDING', needs: 'faces' },
  evidence: admittedEvidence,
  template: unitVector(axis),
})

const qr = (at: number, text = 'T', faces?: DetectedFace[]): GateInput => ({
  type: 'frame',
  at,
  qrText: text,
  faces: faces && { faces, model: TEST_MODEL },
})
const noQr = (at: number): GateInput => ({ type: 'frame', at, qrText: null })
const verified = (at: number, outcome = admitted()): GateInput => ({ type: 'verified', at, outcome })
const seen = (at: number, ...faces: DetectedFace[]): GateInput => ({
  type: 'frame',
  at,
  faces: { faces, model: TEST_MODEL },
})
/** A face whose embedding is along `axis`, slightly turned (same person, another frame). */
const person = (axis: number, tilt = 0.05, overrides: Partial<DetectedFace> = {}) =>
  face({ embedding: unitVector(axis, tilt), ...overrides })

function play(
  inputs: GateInput[],
  state: GateState = initialGateState(),
): { state: GateState; decisions: GateOutcome[] } {
  const decisions: GateOutcome[] = []
  for (const input of inputs) {
    const step = stepGate(state, input, config)
    state = step.state
    if (step.decided) decisions.push(step.decided)
  }
  return { state, decisions }
}

/** QR read at 100 ms, token admitted at 150 ms, then the capture frames given. */
const passenger = (capture: GateInput[], opts: { faceAtQr?: DetectedFace[]; outcome?: TokenOutcome } = {}) =>
  play([noQr(0), qr(100, 'T', opts.faceAtQr), verified(150, opts.outcome), ...capture])

const verdictOf = (run: { decisions: GateOutcome[] }) => run.decisions.map((d) => d.decision)

t.test('genuine: three good frames are fused and approved', async (t) => {
  const run = passenger([seen(200, person(0, 0.05)), seen(300, person(0, -0.05)), seen(400, person(0, 0.1))])
  t.same(verdictOf(run), [{ decision: 'APPROVE', reason: null }])
  t.equal(run.state.phase, 'DECIDED')
  t.match(run.decisions[0], { framesFused: 3, qrAt: 100, decidedAt: 400 })
  t.ok(run.decisions[0]!.score! > 0.99, `fused score ${run.decisions[0]!.score}`)
})

t.test('impostor: the fused face does not match the template', async (t) => {
  const run = passenger([seen(200, person(3)), seen(300, person(3)), seen(400, person(3))])
  t.same(verdictOf(run), [{ decision: 'REJECT', reason: 'FACE_MISMATCH' }])
  t.ok(run.decisions[0]!.score! < policy.matchThreshold)
})

t.test('face changed: the face with the phone is not the face captured', async (t) => {
  const capture = [seen(200, person(0)), seen(300, person(0)), seen(400, person(0))]
  t.same(verdictOf(passenger(capture, { faceAtQr: [person(2)] })), [
    { decision: 'REFER_TO_OFFICER', reason: 'FACE_CHANGED' },
  ])
  t.same(
    verdictOf(passenger(capture, { faceAtQr: [person(0, -0.1)] })),
    [{ decision: 'APPROVE', reason: null }],
    'twin: same face with the phone',
  )
  t.same(
    verdictOf(passenger(capture, { faceAtQr: [person(2), person(4, 0, { box: [400, 100, 160, 180] })] })),
    [{ decision: 'APPROVE', reason: null }],
    'two faces behind the phone: no reference face, not a change',
  )
})

t.test('face changed: another person takes over during capture', async (t) => {
  t.same(verdictOf(passenger([seen(200, person(0)), seen(300, person(5))])), [
    { decision: 'REFER_TO_OFFICER', reason: 'FACE_CHANGED' },
  ])
})

t.test('a second face during capture refers at once; a far-away one does not count', async (t) => {
  const second = person(4, 0, { box: [400, 100, 160, 180] })
  const run = passenger([seen(200, person(0)), seen(300, person(0), second)])
  t.same(verdictOf(run), [{ decision: 'REFER_TO_OFFICER', reason: 'MULTIPLE_FACES' }])
  t.equal(run.decisions[0]!.decidedAt, 300)
  const far = person(4, 0, { box: [400, 100, 30, 34], faceSizePx: 30 })
  t.same(
    verdictOf(passenger([seen(200, person(0)), seen(300, person(0), far), seen(400, person(0))])),
    [{ decision: 'APPROVE', reason: null }],
    'twin',
  )
})

t.test('timeout: no face within the window refers NO_FACE; a face just in time is matched', async (t) => {
  const empty = [seen(300), seen(600), seen(900), seen(1151)]
  const late = passenger(empty)
  t.same(verdictOf(late), [{ decision: 'REFER_TO_OFFICER', reason: 'NO_FACE' }])
  t.equal(late.decisions[0]!.decidedAt, 1151)
  t.same(
    verdictOf(passenger([{ type: 'tick', at: 1151 }])),
    [{ decision: 'REFER_TO_OFFICER', reason: 'NO_FACE' }],
    'a tick closes the window too',
  )
  const justInTime = passenger([seen(300), seen(1100, person(0)), seen(1151)])
  t.same(
    verdictOf(justInTime),
    [{ decision: 'APPROVE', reason: null }],
    'twin: one good frame in the window is enough when it closes',
  )
  t.equal(justInTime.decisions[0]!.framesFused, 1)
})

t.test('timeout: only spoof-like or poor faces refer with their own reason, not NO_FACE', async (t) => {
  const spoof = person(0, 0, { liveness: 0.1 })
  t.same(verdictOf(passenger([seen(200, spoof), seen(600, spoof), seen(1151)])), [
    { decision: 'REFER_TO_OFFICER', reason: 'SPOOF_SUSPECTED' },
  ])
  t.same(
    verdictOf(passenger([seen(200, spoof), seen(300, person(0)), seen(400, person(0)), seen(500, person(0))])),
    [{ decision: 'APPROVE', reason: null }],
    'twin: a live face follows',
  )
})

t.test('internal errors refer, never approve', async (t) => {
  t.same(
    verdictOf(play([qr(100), { type: 'failed', at: 120, stage: 'verify' }])),
    [{ decision: 'REFER_TO_OFFICER', reason: 'INTERNAL_ERROR' }],
    'token stages threw',
  )
  t.same(
    verdictOf(passenger([seen(200, person(0)), { type: 'failed', at: 250, stage: 'faces' }])),
    [{ decision: 'REFER_TO_OFFICER', reason: 'INTERNAL_ERROR' }],
    'face engine threw',
  )
  const broken = { type: 'frame', at: 200, faces: { faces: null, model: TEST_MODEL } } as unknown as GateInput
  t.same(
    verdictOf(passenger([broken])),
    [{ decision: 'REFER_TO_OFFICER', reason: 'INTERNAL_ERROR' }],
    'a bug in a step',
  )
  const noTemplate: TokenOutcome = { ...admitted(), template: null }
  t.same(
    verdictOf(passenger([], { outcome: noTemplate })),
    [{ decision: 'REFER_TO_OFFICER', reason: 'INTERNAL_ERROR' }],
    'admitted without a template',
  )
  const waiting = play([{ type: 'failed', at: 50, stage: 'qr' }])
  t.same(waiting.decisions, [], 'a failed QR decode with nobody in the gate refers nobody')
  t.equal(waiting.state.phase, 'WAITING_FOR_QR')
  t.same(
    verdictOf(passenger([seen(200, person(0)), seen(300, person(0)), seen(400, person(0))])),
    [{ decision: 'APPROVE', reason: null }],
    'twin: no error',
  )
})

t.test('token stages decide alone when the token fails; slow stages refer', async (t) => {
  const expired: TokenOutcome = {
    verdict: { decision: 'REJECT', reason: 'TOKEN_EXPIRED' },
    evidence: {},
    template: null,
  }
  const run = play([qr(100), verified(130, expired)])
  t.same(verdictOf(run), [{ decision: 'REJECT', reason: 'TOKEN_EXPIRED' }])
  t.equal(frameWork(run.state), 'none', 'no face work after a decision')
  t.same(
    verdictOf(play([qr(100), noQr(400), noQr(601)])),
    [{ decision: 'REFER_TO_OFFICER', reason: 'SERVER_UNAVAILABLE' }],
    'verify timeout',
  )
  t.same(verdictOf(play([qr(100), noQr(400), verified(450)])), [], 'twin: verified in time, capture starts')
})

t.test('the decision holds, then the gate waits again; the same token is not read twice in a row', async (t) => {
  const run = passenger([seen(200, person(0)), seen(300, person(0)), seen(400, person(0))])
  let state = play([noQr(2399)], run.state).state
  t.equal(state.phase, 'DECIDED', 'still on show before the hold time')
  state = play([noQr(2400)], state).state
  t.equal(state.phase, 'WAITING_FOR_QR', 'reset after the hold time')
  t.equal(frameWork(state), 'qr')
  state = play([qr(2500, 'T')], state).state
  t.equal(state.phase, 'WAITING_FOR_QR', 'the same token again is ignored')
  state = play([qr(2600, 'U')], state).state
  t.equal(state.phase, 'VERIFYING', 'the next passenger is read')
  t.equal(frameWork(state), 'none')
  state = play([verified(2650)], state).state
  t.equal(frameWork(state), 'faces')
})
