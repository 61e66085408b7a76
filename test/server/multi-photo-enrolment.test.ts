import t from 'tap'
import { photoOf, type FakeFace } from '../helpers/fake-engine.ts'
import { buildTestApp, kiosk, operator } from '../helpers/test-app.ts'

// Fake photos: `axis` is the person, `tilt` another photo of them. Test thresholds (test/helpers/faces.ts): 0.6.
// cos(tilt 0, tilt 0.3) = 0.955, cos(0.3, -0.3) = 0.825: the same person; different axes score 0.
const base = { residentId: 'A123456(3)', name: 'Chan Tai Man', dateOfBirth: '1990-05-01' }
const other = { residentId: 'B111111(1)', name: 'Wong Siu Ming', dateOfBirth: '1985-03-02' }
const photos = (...faces: FakeFace[]) => faces.map((f) => photoOf([f]))
type App = Awaited<ReturnType<typeof buildTestApp>>['app']

const enrol = (app: App, body: Record<string, unknown>) =>
  app.inject({ method: 'POST', url: '/v1/residents', headers: operator, payload: body })

async function storedTemplate(app: App, credential: string): Promise<Float32Array> {
  const { token } = (
    await app.inject({ method: 'POST', url: '/v1/tokens', headers: { authorization: `Bearer ${credential}` } })
  ).json()
  const { sub } = JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString())
  const res = await app.inject({ method: 'GET', url: `/v1/kiosk/templates/${sub}`, headers: kiosk })
  return new Float32Array(new Uint8Array(Buffer.from(res.json().embedding, 'base64')).buffer)
}

t.test('three photos of one person enrol; the template is the unit-length mean of their descriptors', async (t) => {
  const { app, faceEngine } = await buildTestApp(t)
  const res = await enrol(app, { ...base, photos: photos({ tilt: 0.3 }, { tilt: -0.3 }, { tilt: 0 }) })
  t.equal(res.statusCode, 201, res.body)
  t.equal(faceEngine.calls, 3, 'every photo analysed')
  const template = await storedTemplate(app, res.json().credential)
  // Mean of (cos .3, sin .3), (cos .3, -sin .3), (1, 0): along axis 0 only.
  t.ok(
    Math.abs(template[0]! - 1) < 1e-6 && Math.abs(template[1]!) < 1e-6,
    `mean template ${template[0]}, ${template[1]}`,
  )

  // Twin: one photo keeps its own descriptor (the single-photo API is unchanged).
  const single = await enrol(app, { ...other, photo: photoOf([{ axis: 4, tilt: 0.3 }]) })
  t.equal(single.statusCode, 201)
  const one = await storedTemplate(app, single.json().credential)
  t.ok(Math.abs(one[4]! - Math.cos(0.3)) < 1e-6 && Math.abs(one[5]! - Math.sin(0.3)) < 1e-6, 'the photo itself')
})

t.test(
  'a photo of someone else among them: PHOTOS_NOT_SAME_PERSON with the two photo indexes, nothing stored',
  async (t) => {
    const { app } = await buildTestApp(t)
    const res = await enrol(app, { ...base, photos: photos({ tilt: 0 }, { tilt: 0.3 }, { axis: 2 }) })
    t.equal(res.statusCode, 422)
    t.equal(res.json().error.code, 'PHOTOS_NOT_SAME_PERSON')
    t.same(res.json().error.photoIndexes, [0, 2], 'the first pair below the threshold')
    t.equal(
      (
        await app.inject({
          method: 'GET',
          url: `/v1/residents/${encodeURIComponent(base.residentId)}`,
          headers: operator,
        })
      ).statusCode,
      404,
    )
    // Twin: the same request with the third photo of the same person enrols.
    t.equal((await enrol(app, { ...base, photos: photos({ tilt: 0 }, { tilt: 0.3 }, { tilt: -0.3 }) })).statusCode, 201)
  },
)

t.test('every photo passes the same gates; a failing one fails the enrolment with its code and index', async (t) => {
  const { app } = await buildTestApp(t)
  const good = photoOf([{ tilt: 0 }])
  const cases: Array<[string, string[], number, string, number]> = [
    ['no face in the first', [photoOf([]), good], 422, 'FACE_NOT_FOUND', 0],
    ['spoof in the second', [good, photoOf([{ antispoof: 0.05 }])], 422, 'FACE_SPOOF_SUSPECTED', 1],
    ['two faces in the third', [good, good, photoOf([{ axis: 0 }, { axis: 3 }])], 422, 'FACE_MULTIPLE', 2],
    ['small face', [good, photoOf([{ size: 40 }])], 422, 'FACE_TOO_SMALL', 1],
    ['not an image', [good, Buffer.from('GIF89a-not-json-at-all').toString('base64')], 415, 'IMAGE_UNSUPPORTED', 1],
  ]
  for (const [name, list, status, code, index] of cases) {
    const res = await enrol(app, { ...base, photos: list })
    t.equal(res.statusCode, status, name)
    t.equal(res.json().error.code, code, name)
    t.same(res.json().error.photoIndexes, [index], name)
  }
  // Twin: a single failing `photo` keeps the old error body (no index to give).
  const single = await enrol(app, { ...base, photo: photoOf([]) })
  t.equal(single.json().error.code, 'FACE_NOT_FOUND')
  t.notOk('photoIndexes' in single.json().error)
  t.equal((await enrol(app, { ...base, photos: [good, good] })).statusCode, 201, 'two good photos enrol')
})

t.test('photo or photos: exactly one, 1 to 3 photos', async (t) => {
  const { app } = await buildTestApp(t)
  const good = photoOf([{ tilt: 0 }])
  const cases: Array<[string, Record<string, unknown>]> = [
    ['neither', { ...base }],
    ['both', { ...base, photo: good, photos: [good] }],
    ['empty list', { ...base, photos: [] }],
    ['four photos', { ...base, photos: [good, good, good, good] }],
    ['not base64', { ...base, photos: [good, '!!!!not-base64!!!!'] }],
  ]
  for (const [name, body] of cases) {
    const res = await enrol(app, body)
    t.equal(res.statusCode, 400, name)
    t.equal(res.json().error.code, 'VALIDATION_FAILED', name)
  }
  t.equal((await enrol(app, { ...base, photos: [good] })).statusCode, 201, 'a list of one photo enrols')
})

t.test('multipart: several files under `photo` become the photos', async (t) => {
  const { app } = await buildTestApp(t)
  const boundary = 'X-BOUNDARY'
  const form = (faces: FakeFace[], person = base) => {
    const field = (name: string, value: string) =>
      `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`
    const files = faces.map((f, i) =>
      Buffer.concat([
        Buffer.from(
          `--${boundary}\r\n` +
            `Content-Disposition: form-data; name="photo"; filename="p${i}.jpg"\r\nContent-Type: image/jpeg\r\n\r\n`,
        ),
        Buffer.from(JSON.stringify({ faces: [f] })),
        Buffer.from('\r\n'),
      ]),
    )
    const payload = Buffer.concat([
      Buffer.from(
        field('residentId', person.residentId) + field('name', person.name) + field('dateOfBirth', person.dateOfBirth),
      ),
      ...files,
      Buffer.from(`--${boundary}--\r\n`),
    ])
    return app.inject({
      method: 'POST',
      url: '/v1/residents',
      headers: { ...operator, 'content-type': `multipart/form-data; boundary=${boundary}` },
      payload,
    })
  }
  const mismatch = await form([{ tilt: 0 }, { axis: 5 }])
  t.equal(mismatch.statusCode, 422)
  t.equal(mismatch.json().error.code, 'PHOTOS_NOT_SAME_PERSON')
  t.same(mismatch.json().error.photoIndexes, [0, 1])
  const tooMany = await form([{ tilt: 0 }, { tilt: 0 }, { tilt: 0 }, { tilt: 0 }])
  t.equal(tooMany.statusCode, 413, 'a fourth file is over the multipart file limit')
  t.equal(tooMany.json().error.code, 'PAYLOAD_TOO_LARGE')
  // Each file under the per-file limit, together over it: refused like an oversized JSON body.
  const padding = Math.ceil(app.config.photoBodyLimitBytes * 0.6)
  const heavy = await form([
    { tilt: 0, pad: ' '.repeat(padding) } as FakeFace,
    { tilt: 0, pad: ' '.repeat(padding) } as FakeFace,
  ])
  t.equal(heavy.statusCode, 413, 'two files of 60% of the limit each')
  t.equal(heavy.json().error.code, 'PAYLOAD_TOO_LARGE')
  const ok = await form([{ tilt: 0.3 }, { tilt: -0.3 }])
  t.equal(ok.statusCode, 201, ok.body)
  const template = await storedTemplate(app, ok.json().credential)
  t.ok(Math.abs(template[0]! - 1) < 1e-6, 'the mean of the two files')
})

t.test('the duplicate search uses the mean template and its own threshold', async (t) => {
  // Duplicate threshold 0.99, far above the 1:1 threshold (0.6): one photo at tilt 0.3 (0.955) is no duplicate.
  const { app } = await buildTestApp(t, {
    enrolment: {
      minDetectorScore: 0.5,
      minFaceSizePx: 80,
      minQualityScore: 0.7,
      antispoofMin: 0.3,
      minAgeYears: 11,
      adultAgeYears: 18,
      duplicateThreshold: 0.99,
      samePersonThreshold: 0.6,
    },
  })
  t.equal((await enrol(app, { ...base, photo: photoOf([{ tilt: 0 }]) })).statusCode, 201)
  const single = await enrol(app, { ...other, photo: photoOf([{ tilt: 0.3 }]) })
  t.equal(single.statusCode, 201, 'one photo at 0.955: below the duplicate threshold, enrolled')
  // Twin: two photos whose mean is the enrolled face (score 1) go to review, although each alone scores 0.955.
  const third = {
    residentId: 'C222222(' + (await import('../../contract/hkid.ts')).hkidCheckDigit('C', '222222') + ')',
    name: 'Lee Ka Yan',
    dateOfBirth: '1979-11-11',
  }
  const pair = await enrol(app, { ...third, photos: photos({ tilt: 0.3 }, { tilt: -0.3 }) })
  t.equal(pair.statusCode, 409)
  t.equal(pair.json().error.code, 'DUPLICATE_FACE_REVIEW')
})

t.test(
  'the kiosk learns how many photos a template is the mean of; the count is sealed with the template',
  async (t) => {
    const { app, store } = await buildTestApp(t)
    const three = await enrol(app, { ...base, photos: photos({ tilt: 0.3 }, { tilt: -0.3 }, { tilt: 0 }) })
    const one = await enrol(app, { ...other, photo: photoOf([{ axis: 4 }]) })
    const templateOf = async (credential: string) => {
      const { token } = (
        await app.inject({ method: 'POST', url: '/v1/tokens', headers: { authorization: `Bearer ${credential}` } })
      ).json()
      const { sub } = JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString())
      return { sub, res: await app.inject({ method: 'GET', url: `/v1/kiosk/templates/${sub}`, headers: kiosk }) }
    }
    const a = await templateOf(three.json().credential)
    const b = await templateOf(one.json().credential)
    t.equal(a.res.json().photos, 3, 'three photos')
    t.equal(b.res.json().photos, 1, 'twin: one photo')
    // A row relabelled from 3 photos to 1 (which would lower the gate's threshold) no longer opens: it fails closed.
    const raw = (store as unknown as { db: { prepare(sql: string): { run(...args: unknown[]): unknown } } }).db
    raw.prepare('UPDATE templates SET photos = 1 WHERE subject = ?').run(a.sub)
    const relabelled = await app.inject({ method: 'GET', url: `/v1/kiosk/templates/${a.sub}`, headers: kiosk })
    t.equal(relabelled.statusCode, 500, 'the relabelled template is refused')
    t.equal(relabelled.json().error.code, 'TEMPLATE_UNREADABLE')
    raw.prepare('UPDATE templates SET photos = 3 WHERE subject = ?').run(a.sub)
    t.equal(
      (await app.inject({ method: 'GET', url: `/v1/kiosk/templates/${a.sub}`, headers: kiosk })).statusCode,
      200,
      'twin: restored, it opens again',
    )
  },
)
