// What an operator learns from an enrolment: on success, where the resident is (Location), how many photos made the
// template and what the engine saw in each; on refusal, a message that says the rule (one face, guardian consent).
import t from 'tap'
import { hkidCheckDigit } from '../../contract/hkid.ts'
import { photoOf } from '../helpers/fake-engine.ts'
import { buildTestApp, operator } from '../helpers/test-app.ts'

const { app } = await buildTestApp(t)
let serial = 400000
const nextId = () => {
  const digits = String(serial++)
  return `B${digits}(${hkidCheckDigit('B', digits)})`
}
const enrol = (body: Record<string, unknown>) =>
  app.inject({
    method: 'POST',
    url: '/v1/residents',
    headers: operator,
    payload: { name: 'Chan Tai Man', dateOfBirth: '1990-05-01', residentId: nextId(), ...body },
  })

t.test('one photo: 201 with Location, photos 1, the face the engine saw, no embedding', async (t) => {
  const res = await enrol({ photo: photoOf([{ axis: 1 }]) })
  t.equal(res.statusCode, 201)
  const body = res.json()
  t.equal(res.headers.location, `/v1/residents/${encodeURIComponent(body.resident.residentId)}`)
  t.equal(body.photos, 1)
  t.equal(body.faces.length, 1)
  t.match(body.faces[0], { photoIndex: 0, detectorScore: Number, faceSizePx: Number })
  t.equal(body.faces[0].box.length, 4)
  t.notMatch(JSON.stringify(body), /embedding/, 'no descriptor in the reply')
  const follow = await app.inject({ method: 'GET', url: res.headers.location as string, headers: operator })
  t.equal(follow.statusCode, 200, 'Location leads to the resident')
})

t.test('two photos of one person: photos 2, one face each, in order', async (t) => {
  const res = await enrol({ photos: [photoOf([{ axis: 2 }]), photoOf([{ axis: 2 }])] })
  t.equal(res.statusCode, 201, res.body)
  t.equal(res.json().photos, 2)
  t.same(
    res.json().faces.map((f: { photoIndex: number }) => f.photoIndex),
    [0, 1],
  )
})

t.test('refusals say the rule', async (t) => {
  const cases: Array<[Record<string, unknown>, string, RegExp]> = [
    [{ photo: photoOf([]) }, 'FACE_NOT_FOUND', /^no face found: the photo must show one clear, frontal face$/],
    [{ photo: photoOf([{ axis: 3 }, { axis: 5 }]) }, 'FACE_MULTIPLE', /^2 faces found: the photo must show one person/],
    [
      { photo: photoOf([{ axis: 4 }]), dateOfBirth: '2012-01-01' },
      'GUARDIAN_CONSENT_REQUIRED',
      /^residents under 18 need guardianConsent: true/,
    ],
    [{ photo: photoOf([{ axis: 4 }]), dateOfBirth: '2020-01-01' }, 'TOO_YOUNG', /^residents under 11 cannot enrol$/],
  ]
  for (const [body, code, message] of cases) {
    const res = await enrol(body)
    t.equal(res.json().error.code, code)
    t.match(res.json().error.message, message)
  }
})

t.test('positive twin: the same minor with guardian consent is enrolled', async (t) => {
  const res = await enrol({ photo: photoOf([{ axis: 6 }]), dateOfBirth: '2012-01-01', guardianConsent: true })
  t.equal(res.statusCode, 201, res.body)
})
