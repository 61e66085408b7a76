import t from 'tap'
import { decide, type ClearanceEvidence } from '../../kiosk-sim/gate/decide.ts'
import { face, testThresholds, TEST_MODEL } from '../helpers/faces.ts'

const claims = { iss: 'i', aud: 'a', sub: 'subject-1', jti: 'j'.repeat(16), iat: 1, nbf: 1, exp: 100 }
const evidence = (pad: number | null): ClearanceEvidence => ({
  qrText: 'token',
  keysFresh: true,
  token: { ok: true, kid: 'k', claims },
  ledger: 'consumed',
  template: { model: TEST_MODEL },
  faces: [face({ pad })],
  faceModel: TEST_MODEL,
  matchScore: 0.99,
})
const policy = { ...testThresholds, padMin: 0.5 }
const approve = { decision: 'APPROVE', reason: null }
const spoof = { decision: 'REFER_TO_OFFICER', reason: 'SPOOF_SUSPECTED' }

t.test('with a pad threshold, a face scoring below it is referred as a suspected spoof', async (t) => {
  t.same(decide(evidence(0.2), policy), spoof)
  t.same(decide(evidence(0.4999), policy), spoof, 'just below')
  t.same(decide(evidence(null), policy), spoof, 'no score (the classifier did not run) is not a pass')
})

t.test('positive twin: at or above the threshold the passenger is approved', async (t) => {
  t.same(decide(evidence(0.5), policy), approve, 'exactly at the threshold')
  t.same(decide(evidence(0.97), policy), approve)
})

t.test('without a pad threshold (calibration has no pad section) the score is not consulted', async (t) => {
  t.notOk('padMin' in testThresholds)
  t.same(decide(evidence(0.01), testThresholds), approve)
  t.same(decide(evidence(null), testThresholds), approve)
})
