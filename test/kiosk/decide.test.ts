import t from 'tap'
import { decide, type ClearanceEvidence } from '../../kiosk-sim/gate/decide.ts'
import { face, testThresholds as policy, TEST_MODEL, unitVector } from '../helpers/faces.ts'

const claims = { iss: 'i', aud: 'a', sub: 'subject-1', jti: 'j'.repeat(16), iat: 1, nbf: 1, exp: 100 }
const approved: ClearanceEvidence = {
  qrText: 'token',
  keysFresh: true,
  token: { ok: true, kid: 'k', claims },
  ledger: 'consumed',
  template: { model: TEST_MODEL },
  faces: [face()],
  faceModel: TEST_MODEL,
  matchScore: 0.8,
}
const with_ = (patch: Partial<ClearanceEvidence>): ClearanceEvidence => ({ ...approved, ...patch })

t.test('a genuine passenger with every check passed is approved', async (t) => {
  t.same(decide(approved, policy), { decision: 'APPROVE', reason: null })
  t.same(
    decide(with_({ matchScore: policy.matchThreshold }), policy),
    { decision: 'APPROVE', reason: null },
    'score exactly at threshold',
  )
})

t.test('stages are asked for in order, so a bad token costs no face work', async (t) => {
  t.same(decide({}, policy), { decision: 'PENDING', needs: 'qr' })
  t.same(decide({ qrText: 'x', keysFresh: true }, policy), { decision: 'PENDING', needs: 'token' })
  t.same(decide({ qrText: 'x', keysFresh: true, token: approved.token }, policy), {
    decision: 'PENDING',
    needs: 'admission',
  })
  t.same(decide(with_({ faces: undefined, matchScore: undefined }), policy), { decision: 'PENDING', needs: 'faces' })
  t.same(decide(with_({ matchScore: undefined }), policy), { decision: 'PENDING', needs: 'match' })
  t.same(
    decide({ qrText: 'x', keysFresh: true, token: { ok: false, reason: 'TOKEN_EXPIRED', detail: 'exp' } }, policy),
    { decision: 'REJECT', reason: 'TOKEN_EXPIRED' },
  )
})

t.test('token and admission failures reject', async (t) => {
  for (const reason of ['TOKEN_INVALID', 'TOKEN_EXPIRED', 'TOKEN_NOT_YET_VALID'] as const) {
    t.same(decide(with_({ token: { ok: false, reason, detail: '' } }), policy), { decision: 'REJECT', reason })
  }
  t.same(decide(with_({ ledger: 'replayed' }), policy), { decision: 'REJECT', reason: 'TOKEN_REPLAYED' })
  t.same(decide(with_({ template: 'revoked' }), policy), { decision: 'REJECT', reason: 'TOKEN_REVOKED' })
  t.same(decide(with_({ template: 'unknown' }), policy), { decision: 'REJECT', reason: 'TOKEN_REVOKED' })
  t.same(decide(with_({ matchScore: policy.matchThreshold - 0.0001 }), policy), {
    decision: 'REJECT',
    reason: 'FACE_MISMATCH',
  })
})

t.test('what the gate cannot judge goes to an officer', async (t) => {
  const refer = (reason: string) => ({ decision: 'REFER_TO_OFFICER', reason })
  t.same(decide(with_({ qrText: null }), policy), refer('QR_UNREADABLE'))
  t.same(decide(with_({ keysFresh: false }), policy), refer('STALE_KEYS'))
  t.same(decide(with_({ ledger: 'unavailable' }), policy), refer('SERVER_UNAVAILABLE'))
  t.same(decide(with_({ template: 'unavailable' }), policy), refer('SERVER_UNAVAILABLE'))
  t.same(
    decide(with_({ template: { model: { name: 'other', version: '1' } } }), policy),
    refer('TEMPLATE_MODEL_MISMATCH'),
  )
  t.same(decide(with_({ faces: [] }), policy), refer('NO_FACE'))
  t.same(
    decide(with_({ faces: [face({ detectorScore: 0.2 })] }), policy),
    refer('NO_FACE'),
    'a weak detection is no face',
  )
  t.same(
    decide(with_({ faces: [face(), face({ box: [320, 90, 150, 170], embedding: unitVector(3) })] }), policy),
    refer('MULTIPLE_FACES'),
  )
  t.same(
    decide(with_({ faces: [face(), face({ faceSizePx: 20 })] }), policy),
    { decision: 'APPROVE', reason: null },
    'a tiny far face is ignored',
  )
  t.same(
    decide(with_({ faces: [face(), face({ box: [110, 105, 150, 170], detectorScore: 0.7 })] }), policy),
    { decision: 'APPROVE', reason: null },
    'a second box on the same face is one face',
  )
  t.same(
    decide(with_({ faces: [face(), face({ box: [300, 100, 160, 180] })] }), policy),
    refer('MULTIPLE_FACES'),
    'a second face beside it is two',
  )
  t.same(
    decide(with_({ faces: [face({ faceSizePx: 330 }), face({ box: [85, 235, 110, 110], faceSizePx: 110 })] }), policy),
    { decision: 'APPROVE', reason: null },
    'a person at a desk far behind (a third of the face size) is not a second traveller',
  )
  t.same(
    decide(with_({ faces: [face({ faceSizePx: 330 }), face({ box: [400, 100, 200, 200], faceSizePx: 200 })] }), policy),
    refer('MULTIPLE_FACES'),
    'its twin: someone close behind (0.6 of the face size) is',
  )
  t.same(decide(with_({ faces: [face({ faceSizePx: 60 })] }), policy), refer('FACE_QUALITY_LOW'))
  t.same(decide(with_({ faces: [face({ embedding: new Float32Array(0) })] }), policy), refer('FACE_QUALITY_LOW'))
  t.same(
    decide(with_({ faces: [face({ embedding: new Float32Array(8).fill(Number.NaN) })] }), policy),
    refer('FACE_QUALITY_LOW'),
  )
  t.same(decide(with_({ faces: [face({ antispoof: 0.1 })] }), policy), refer('SPOOF_SUSPECTED'))
  t.same(decide(with_({ faces: [face({ liveness: null })] }), policy), refer('SPOOF_SUSPECTED'))
  t.same(decide(with_({ matchScore: Number.NaN }), policy), refer('INTERNAL_ERROR'))
  t.same(decide(with_({ internalError: true }), policy), refer('INTERNAL_ERROR'), 'an internal error never approves')
})

t.test('a refused offline mode names its reason; without a refusal the server outage is the reason', async (t) => {
  const refer = (reason: string) => ({ decision: 'REFER_TO_OFFICER', reason })
  for (const reason of [
    'OFFLINE_NOT_ALLOWED',
    'CLOCK_UNTRUSTED',
    'REVOCATION_LIST_STALE',
    'STALE_KEYS',
    'OFFLINE_TEMPLATE_UNAVAILABLE',
  ] as const) {
    t.same(decide(with_({ ledger: 'unavailable', offlineRefusal: reason }), policy), refer(reason), reason)
    t.same(
      decide(with_({ template: 'unavailable', offlineRefusal: reason }), policy),
      refer(reason),
      `${reason} (template)`,
    )
  }
  t.same(decide(with_({ ledger: 'unavailable' }), policy), refer('SERVER_UNAVAILABLE'), 'no offline mode at all')
  t.same(
    decide(with_({ offlineRefusal: 'CLOCK_UNTRUSTED' }), policy),
    { decision: 'APPROVE', reason: null },
    'twin: a refusal with every answer present changes nothing',
  )
  t.same(
    decide(with_({ template: 'revoked', ledger: 'unavailable', offlineRefusal: 'CLOCK_UNTRUSTED' }), policy),
    { decision: 'REJECT', reason: 'TOKEN_REVOKED' },
    'a known revocation still rejects',
  )
})

t.test('box overlap', async (t) => {
  const { overlap } = await import('../../models/distinct-faces.ts')
  t.equal(overlap([0, 0, 10, 10], [0, 0, 10, 10]), 1)
  t.equal(overlap([0, 0, 10, 10], [10, 0, 10, 10]), 0, 'touching')
  t.equal(overlap([0, 0, 10, 10], [5, 0, 10, 10]), 50 / 150)
})

t.test(
  'the threshold follows the template: single-photo templates their own, mean and unknown templates the stricter one',
  async (t) => {
    const split = { ...policy, singlePhotoMatchThreshold: 0.6, matchThreshold: 0.7 }
    const between = 0.65
    t.same(
      decide(with_({ template: { model: TEST_MODEL, photos: 1 }, matchScore: between }), split),
      { decision: 'APPROVE', reason: null },
      'single photo: 0.65 >= 0.6',
    )
    t.same(
      decide(with_({ template: { model: TEST_MODEL, photos: 3 }, matchScore: between }), split),
      { decision: 'REJECT', reason: 'FACE_MISMATCH' },
      'three photos: 0.65 < 0.7',
    )
    t.same(
      decide(with_({ template: { model: TEST_MODEL }, matchScore: between }), split),
      { decision: 'REJECT', reason: 'FACE_MISMATCH' },
      'unknown count: the stricter',
    )
    t.same(
      decide(with_({ template: { model: TEST_MODEL, photos: 3 }, matchScore: 0.7 }), split),
      { decision: 'APPROVE', reason: null },
      'three photos at 0.7: approve',
    )
    t.same(
      decide(with_({ template: { model: TEST_MODEL, photos: 1 }, matchScore: 0.5999 }), split),
      { decision: 'REJECT', reason: 'FACE_MISMATCH' },
      'single photo below its own',
    )
  },
)

t.test('the presentation check refers a spoof; a pad threshold is applied when the policy has one', async (t) => {
  const refer = (reason: string) => ({ decision: 'REFER_TO_OFFICER', reason })
  const padPolicy = { ...policy, padMin: 0.5 }
  t.same(decide(with_({ faces: [face({ pad: 0.9 })] }), padPolicy), { decision: 'APPROVE', reason: null })
  t.same(decide(with_({ faces: [face({ pad: 0.2 })] }), padPolicy), refer('SPOOF_SUSPECTED'))
  t.same(decide(with_({ faces: [face({ pad: null })] }), padPolicy), refer('SPOOF_SUSPECTED'), 'fails closed')
  t.same(decide(with_({ faces: [face({ pad: null })] }), policy), { decision: 'APPROVE', reason: null }, 'no pad')
  t.same(decide(with_({ faces: [face({ liveness: 0.29 })] }), policy), refer('SPOOF_SUSPECTED'))
  t.same(decide(with_({ faces: [face({ liveness: 0.3 })] }), policy), { decision: 'APPROVE', reason: null })
})
