// The live gate's CHALLENGING phase, on synthetic analysed frames: a matched face must answer the drawn action
// before the approval; each refusal has a twin that passes.
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
import type { ChallengeKind } from '../../kiosk-sim/gate/liveness-challenge.ts'
import type { DetectedFace } from '../../models/face-types.ts'
import { face, testThresholds as policy, TEST_MODEL, unitVector } from '../helpers/faces.ts'

const config: LiveGateConfig = { ...defaultLiveGateConfig(policy), framesToFuse: 2, faceWindowMs: 1000 }
const claims = { iss: 'i', aud: 'a', sub: 'subject-1', jti: 'j'.repeat(16), iat: 1, nbf: 1, exp: 100 }
const evidence: ClearanceEvidence = {
  qrText: 'T',
  keysFresh: true,
  token: { ok: true, kid: 'k', claims },
  ledger: 'consumed',
  template: { model: TEST_MODEL },
}
const admitted: TokenOutcome = { verdict: { decision: 'PENDING', needs: 'faces' }, evidence, template: unitVector(0) }

/** Person `axis`, the nose at `parallax` face widths off centre. */
const person = (axis: number, parallax = 0): DetectedFace =>
  face({
    embedding: unitVector(axis, 0.05),
    geometry: { parallax, earImageLeft: 0.3, earImageRight: 0.3, proportion: 1.1 },
  })
const seen = (at: number, ...faces: DetectedFace[]): GateInput => ({
  type: 'frame',
  at,
  faces: { faces, model: TEST_MODEL },
})

/** QR at 100 (drawing `kind`), admitted at 150, two matching frames at 200 and 300, then `after`. */
function passenger(kind: ChallengeKind | undefined, after: GateInput[], template = admitted) {
  const inputs: GateInput[] = [
    { type: 'frame', at: 100, qrText: 'T', ...(kind ? { challenge: kind } : {}) },
    { type: 'verified', at: 150, outcome: template },
    seen(200, person(0)),
    seen(300, person(0)),
    ...after,
  ]
  let state: GateState = initialGateState()
  const decisions: GateOutcome[] = []
  const phases: string[] = []
  for (const input of inputs) {
    const step = stepGate(state, input, config)
    state = step.state
    phases.push(state.phase)
    if (step.decided) decisions.push(step.decided)
  }
  return { state, decisions, phases }
}
const turn = (from: number, values: number[], who = 0) => values.map((p, i) => seen(from + i * 200, person(who, p)))
const verdict = (run: { decisions: GateOutcome[] }) => run.decisions.map((d) => d.decision)

t.test('a matched face enters CHALLENGING (frames still analysed); the turn asked approves', async (t) => {
  const run = passenger('TURN_LEFT', turn(500, [0, 0, 0, 0.1, 0.2, 0.25]))
  t.equal(run.phases[3], 'CHALLENGING', 'after the fused match, not decided yet')
  t.equal(frameWork({ phase: 'CHALLENGING' } as GateState), 'faces')
  t.same(verdict(run), [{ decision: 'APPROVE', reason: null }])
  t.match(run.decisions[0], { framesFused: 2, challenge: { kind: 'TURN_LEFT', passed: true, failure: null } })
  t.ok(run.decisions[0]!.score! > 0.9, 'the match score is kept')
})

t.test('the other way, or no move at all, refers LIVENESS_CHALLENGE_FAILED', async (t) => {
  const wrong = passenger('TURN_RIGHT', turn(500, [0, 0, 0, 0.1, 0.2, 0.25]))
  t.same(verdict(wrong), [{ decision: 'REFER_TO_OFFICER', reason: 'LIVENESS_CHALLENGE_FAILED' }])
  t.match(wrong.decisions[0], { challenge: { kind: 'TURN_RIGHT', passed: false, failure: 'WRONG_MOVE' } })
  const still = passenger(
    'BLINK',
    turn(
      500,
      Array.from({ length: 30 }, () => 0),
    ),
  )
  t.match(still.decisions[0], {
    decision: { decision: 'REFER_TO_OFFICER', reason: 'LIVENESS_CHALLENGE_FAILED' },
    challenge: { kind: 'BLINK', passed: false, failure: 'TIMEOUT' },
  })
  const gone = passenger('TURN_LEFT', [{ type: 'tick', at: 2000 }])
  t.match(gone.decisions[0], { challenge: { failure: 'FACE_LOST' } }, 'time passing without frames')
})

t.test('another face answering refers; a second person in view refers MULTIPLE_FACES', async (t) => {
  const swapped = passenger('TURN_LEFT', [...turn(500, [0, 0, 0]), ...turn(1100, [0.2, 0.25], 3)])
  t.match(swapped.decisions[0], {
    decision: { reason: 'LIVENESS_CHALLENGE_FAILED' },
    challenge: { failure: 'FACE_SWAPPED' },
  })
  const two = passenger('TURN_LEFT', [seen(500, person(0), { ...person(3), box: [400, 100, 160, 180] })])
  t.same(verdict(two), [{ decision: 'REFER_TO_OFFICER', reason: 'MULTIPLE_FACES' }])
})

t.test('no challenge for a refusal, and none when the config asks for the passive check only', async (t) => {
  const impostor = passenger('TURN_LEFT', [], { ...admitted, template: unitVector(3) })
  t.same(verdict(impostor), [{ decision: 'REJECT', reason: 'FACE_MISMATCH' }])
  t.equal(impostor.decisions[0]!.challenge, null)
  const passive = { ...config, challenge: null }
  let state: GateState = initialGateState()
  const decided: GateOutcome[] = []
  for (const input of [
    { type: 'frame', at: 100, qrText: 'T' } as GateInput,
    { type: 'verified', at: 150, outcome: admitted } as GateInput,
    seen(200, person(0)),
    seen(300, person(0)),
  ]) {
    const step = stepGate(state, input, passive)
    state = step.state
    if (step.decided) decided.push(step.decided)
  }
  t.same(verdict({ decisions: decided }), [{ decision: 'APPROVE', reason: null }])
})

t.test('an adapter that draws no action gets the blink, never a free pass', async (t) => {
  const run = passenger(undefined, turn(500, [0, 0, 0, 0.2, 0.25]))
  t.equal(run.state.phase, 'CHALLENGING')
  t.same(verdict(run), [])
})
