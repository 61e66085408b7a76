import { randomUUID } from 'node:crypto'
import t from 'tap'
import { keysFromJwks } from '../../tokens/jwks.ts'
import { verifyToken } from '../../tokens/verify-token.ts'
import { photoOf } from '../helpers/fake-engine.ts'
import { buildTestApp, KIOSK_ID, kiosk, operator } from '../helpers/test-app.ts'

const adult = {
  residentId: 'A123456(3)',
  name: 'Chan Tai Man',
  dateOfBirth: '1990-05-01',
  photo: photoOf([{ axis: 0 }]),
}

async function enrol(app: Awaited<ReturnType<typeof buildTestApp>>['app'], body: Record<string, unknown> = adult) {
  return app.inject({ method: 'POST', url: '/v1/residents', headers: operator, payload: body })
}

t.test('enrolment: a valid resident is enrolled and gets a credential once', async (t) => {
  const { app } = await buildTestApp(t)
  const res = await enrol(app)
  t.equal(res.statusCode, 201)
  const body = res.json()
  t.equal(body.resident.residentId, 'A123456(3)')
  t.equal(body.resident.status, 'active')
  t.match(body.credential, /^rc_[A-Za-z0-9_-]{43}$/)
  t.same(body.model, { name: 'human-faceres', version: 'test' })
  const read = await app.inject({
    method: 'GET',
    url: `/v1/residents/${encodeURIComponent('A123456(3)')}`,
    headers: operator,
  })
  t.equal(read.statusCode, 200)
  t.notOk('credential' in read.json(), 'the credential is never shown again')
  t.equal((await enrol(app)).json().error.code, 'RESIDENT_EXISTS')
})

t.test('enrolment errors have stable codes', async (t) => {
  const { app } = await buildTestApp(t)
  const cases: Array<[string, Record<string, unknown>, number, string]> = [
    ['bad check digit', { ...adult, residentId: 'A123456(4)' }, 400, 'RESIDENT_ID_INVALID'],
    ['bad id format', { ...adult, residentId: 'Z12' }, 400, 'VALIDATION_FAILED'],
    ['extra property', { ...adult, admin: true }, 400, 'VALIDATION_FAILED'],
    ['no such date', { ...adult, dateOfBirth: '1990-02-30' }, 400, 'DATE_OF_BIRTH_INVALID'],
    ['too young', { ...adult, dateOfBirth: '2020-01-01' }, 422, 'TOO_YOUNG'],
    ['minor without consent', { ...adult, dateOfBirth: '2012-01-01' }, 422, 'GUARDIAN_CONSENT_REQUIRED'],
    [
      'not an image',
      { ...adult, photo: Buffer.from('GIF89a-not-json-at-all').toString('base64') },
      415,
      'IMAGE_UNSUPPORTED',
    ],
    ['no face', { ...adult, photo: photoOf([]) }, 422, 'FACE_NOT_FOUND'],
    ['two faces', { ...adult, photo: photoOf([{ axis: 0 }, { axis: 3 }]) }, 422, 'FACE_MULTIPLE'],
    ['small face', { ...adult, photo: photoOf([{ size: 40 }]) }, 422, 'FACE_TOO_SMALL'],
    ['weak detection', { ...adult, photo: photoOf([{ score: 0.6 }]) }, 422, 'FACE_QUALITY_LOW'],
    ['spoof', { ...adult, photo: photoOf([{ antispoof: 0.05 }]) }, 422, 'FACE_SPOOF_SUSPECTED'],
  ]
  for (const [name, body, status, code] of cases) {
    const res = await enrol(app, body)
    t.equal(res.statusCode, status, name)
    t.equal(res.json().error.code, code, name)
    t.type(res.json().error.requestId, 'string')
  }
  t.equal(
    (await app.inject({ method: 'GET', url: `/v1/residents/${encodeURIComponent('A123456(3)')}`, headers: operator }))
      .statusCode,
    404,
    'nothing was stored',
  )
  t.equal(
    (await enrol(app, { ...adult, dateOfBirth: '2012-01-01', guardianConsent: true })).statusCode,
    201,
    'a minor with consent enrols',
  )
})

t.test('enrolment accepts multipart uploads too', async (t) => {
  const { app } = await buildTestApp(t)
  const boundary = 'X-BOUNDARY'
  const field = (name: string, value: string) =>
    `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`
  const payload = Buffer.concat([
    Buffer.from(
      field('residentId', adult.residentId) + field('name', adult.name) + field('dateOfBirth', adult.dateOfBirth),
    ),
    Buffer.from(
      `--${boundary}\r\n` +
        `Content-Disposition: form-data; name="photo"; filename="p.jpg"\r\nContent-Type: image/jpeg\r\n\r\n`,
    ),
    Buffer.from(JSON.stringify({ faces: [{ axis: 1 }] })),
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ])
  const res = await app.inject({
    method: 'POST',
    url: '/v1/residents',
    headers: { ...operator, 'content-type': `multipart/form-data; boundary=${boundary}` },
    payload,
  })
  t.equal(res.statusCode, 201, res.body)
})

t.test('the same face under another id goes to review, not enrolled', async (t) => {
  const { app } = await buildTestApp(t)
  t.equal((await enrol(app)).statusCode, 201)
  const other = {
    ...adult,
    residentId: 'B111111(' + (await import('../../contract/hkid.ts')).hkidCheckDigit('B', '111111') + ')',
  }
  const dup = await enrol(app, other)
  t.equal(dup.statusCode, 409)
  t.equal(dup.json().error.code, 'DUPLICATE_FACE_REVIEW')
  t.equal((await enrol(app, { ...other, photo: photoOf([{ axis: 4 }]) })).statusCode, 201, 'a different face enrols')
})

t.test('auth: operator routes need the operator key', async (t) => {
  const { app } = await buildTestApp(t)
  for (const headers of [{}, { authorization: 'Bearer wrong-key-wrong-key' }, kiosk]) {
    const res = await app.inject({ method: 'POST', url: '/v1/residents', headers, payload: adult })
    t.equal(res.statusCode, 401)
    t.equal(res.json().error.code, 'UNAUTHORIZED')
  }
  t.equal(
    (await app.inject({ method: 'GET', url: '/v1/kiosk/templates/abcdefghij', headers: operator })).statusCode,
    401,
    'operator is not a kiosk',
  )
})

t.test('tokens, QR and JWKS; revocation', async (t) => {
  const { app } = await buildTestApp(t)
  const { credential } = (await enrol(app)).json()
  const resident = { authorization: `Bearer ${credential}` }
  const issued = await app.inject({ method: 'POST', url: '/v1/tokens', headers: resident })
  t.equal(issued.statusCode, 201)
  const { token, tokenId, expiresAt, qr } = issued.json()
  const jwks = (await app.inject({ method: 'GET', url: '/.well-known/jwks.json' })).json()
  t.equal(jwks.keys.length, 1)
  t.equal(jwks.keys[0].alg, 'ES256')
  const check = verifyToken(
    token,
    keysFromJwks(jwks),
    { issuer: 'https://test/immd', audience: 'echannel-gate', clockToleranceSec: 5, maxLifetimeSec: 300 },
    Math.floor(Date.now() / 1000),
  )
  t.equal(check.ok, true)
  if (check.ok) {
    t.equal(check.claims.jti, tokenId)
    t.not(check.claims.sub, 'A123456(3)', 'the subject is opaque, not the identity number')
    t.equal(check.claims.exp - check.claims.iat, 120)
    t.equal(new Date(expiresAt).getTime(), check.claims.exp * 1000)
  }
  const png = await app.inject({ method: 'GET', url: qr.png, headers: resident })
  t.equal(png.statusCode, 200)
  t.equal(png.headers['content-type'], 'image/png')
  t.same([...png.rawPayload.subarray(0, 4)], [0x89, 0x50, 0x4e, 0x47])
  const svg = await app.inject({ method: 'GET', url: qr.svg, headers: resident })
  t.match(svg.body, /^<svg/)
  t.equal((await app.inject({ method: 'GET', url: qr.png })).statusCode, 401, 'QR needs the credential')
  t.equal(
    (await app.inject({ method: 'GET', url: '/v1/tokens/AAAAAAAAAAAAAAAAAAAA/qr.png', headers: resident })).json().error
      .code,
    'TOKEN_NOT_FOUND',
  )
  t.equal(
    (await app.inject({ method: 'POST', url: '/v1/tokens', headers: { authorization: 'Bearer rc_nope' } })).statusCode,
    401,
  )

  const revoke = await app.inject({
    method: 'DELETE',
    url: `/v1/residents/${encodeURIComponent('A123456(3)')}`,
    headers: operator,
  })
  t.equal(revoke.json().status, 'revoked')
  const after = await app.inject({ method: 'POST', url: '/v1/tokens', headers: resident })
  t.equal(after.statusCode, 410)
  t.equal(after.json().error.code, 'RESIDENT_REVOKED')
})

t.test('credential reset: the old credential stops working', async (t) => {
  const { app } = await buildTestApp(t)
  const { credential: old } = (await enrol(app)).json()
  const reset = await app.inject({
    method: 'POST',
    url: `/v1/residents/${encodeURIComponent('A123456(3)')}/credential`,
    headers: operator,
  })
  t.equal(reset.statusCode, 200)
  t.equal(
    (await app.inject({ method: 'POST', url: '/v1/tokens', headers: { authorization: `Bearer ${old}` } })).statusCode,
    401,
  )
  t.equal(
    (
      await app.inject({
        method: 'POST',
        url: '/v1/tokens',
        headers: { authorization: `Bearer ${reset.json().credential}` },
      })
    ).statusCode,
    201,
  )
})

t.test('kiosk: template, jti ledger, events, stats', async (t) => {
  const { app } = await buildTestApp(t)
  const { credential } = (await enrol(app)).json()
  const { token } = (
    await app.inject({ method: 'POST', url: '/v1/tokens', headers: { authorization: `Bearer ${credential}` } })
  ).json()
  const claims = JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString())

  const template = await app.inject({ method: 'GET', url: `/v1/kiosk/templates/${claims.sub}`, headers: kiosk })
  t.equal(template.statusCode, 200)
  const embedding = new Float32Array(new Uint8Array(Buffer.from(template.json().embedding, 'base64')).buffer)
  t.equal(embedding.length, 8)
  t.equal(embedding[0], 1)
  t.equal(
    (await app.inject({ method: 'GET', url: '/v1/kiosk/templates/unknown-subject', headers: kiosk })).json().error.code,
    'RESIDENT_NOT_FOUND',
  )

  const consume = () =>
    app.inject({
      method: 'POST',
      url: '/v1/kiosk/jti',
      headers: kiosk,
      payload: { iss: claims.iss, jti: claims.jti, exp: claims.exp },
    })
  const results = await Promise.all(Array.from({ length: 20 }, consume))
  t.equal(results.filter((r) => r.statusCode === 200).length, 1, 'exactly one of 20 concurrent consumptions wins')
  t.ok(results.filter((r) => r.statusCode === 409).every((r) => r.json().error.code === 'TOKEN_REPLAYED'))
  const otherIssuer = await app.inject({
    method: 'POST',
    url: '/v1/kiosk/jti',
    headers: kiosk,
    payload: { iss: 'other-iss', jti: claims.jti, exp: claims.exp },
  })
  t.equal(otherIssuer.statusCode, 200, 'the ledger is keyed on (iss, jti)')

  const event = (decision: string, reason: string | null, channel = 'contactless') => ({
    eventId: randomUUID(),
    kioskId: KIOSK_ID,
    controlPoint: 'HKIA-T1',
    channel,
    decision,
    reason,
    score: 0.7,
    modelVersion: 'human-faceres@test',
    kid: null,
    jtiHash: null,
    occurredAt: Date.now(),
    timings: { decodeMs: 5, verifyMs: 2, detectMs: 80, embedMs: 10, livenessMs: 5, matchMs: 0.1, totalMs: 110 },
  })
  const batch = [event('APPROVE', null), event('REJECT', 'FACE_MISMATCH'), event('APPROVE', null, 'conventional')]
  const post = (events: unknown[], headers = kiosk) =>
    app.inject({ method: 'POST', url: '/v1/kiosk/events', headers, payload: { events } })
  t.same((await post(batch)).json(), { accepted: 3, duplicates: 0 })
  t.same((await post(batch)).json(), { accepted: 0, duplicates: 3 }, 'a replayed batch adds nothing')
  t.equal((await post([{ ...event('APPROVE', null), kioskId: 'kiosk-2' }])).json().error.code, 'EVENT_KIOSK_MISMATCH')
  t.equal((await post([{ ...event('APPROVE', null), decision: 'MAYBE' }])).json().error.code, 'VALIDATION_FAILED')
  t.equal((await post([])).statusCode, 400)

  const stats = (await app.inject({ method: 'GET', url: '/v1/stats', headers: operator })).json()
  t.equal(stats.events, 3)
  t.same(stats.decisions, { APPROVE: 1, REJECT: 1 })
  t.same(stats.reasons, { FACE_MISMATCH: 1 })
  t.equal(stats.share.contactlessShare, 2 / 3)
  t.equal(stats.share.reference, 0.32)
  t.equal(stats.latencyMs.totalMs.p95, 110)
  const empty = (await app.inject({ method: 'GET', url: '/v1/stats?kioskId=kiosk-2', headers: kiosk })).json()
  t.equal(empty.events, 0)
  t.equal(empty.latencyMs.totalMs.p50, null)
  t.equal((await app.inject({ method: 'GET', url: '/v1/stats?window=year', headers: operator })).statusCode, 400)

  const revoke = await app.inject({
    method: 'DELETE',
    url: `/v1/residents/${encodeURIComponent('A123456(3)')}`,
    headers: operator,
  })
  t.equal(revoke.statusCode, 200)
  t.equal(
    (await app.inject({ method: 'GET', url: `/v1/kiosk/templates/${claims.sub}`, headers: kiosk })).json().error.code,
    'RESIDENT_REVOKED',
  )
})

t.test('hostile HTTP gets a clean error body', async (t) => {
  const { app } = await buildTestApp(t)
  const poisoned = await app.inject({
    method: 'POST',
    url: '/v1/kiosk/jti',
    headers: { ...kiosk, 'content-type': 'application/json' },
    payload: '{"__proto__":{"x":1},"iss":"a","jti":"aaaaaaaaaaaaaaaa","exp":5}',
  })
  t.equal(poisoned.statusCode, 400)
  t.equal(poisoned.json().error.code, 'VALIDATION_FAILED')
  const big = await app.inject({
    method: 'POST',
    url: '/v1/residents',
    headers: operator,
    payload: { ...adult, photo: 'A'.repeat(300 * 1024) },
  })
  t.equal(big.statusCode, 413)
  t.equal(big.json().error.code, 'PAYLOAD_TOO_LARGE')
  const malformed = await app.inject({
    method: 'POST',
    url: '/v1/kiosk/jti',
    headers: { ...kiosk, 'content-type': 'application/json' },
    payload: '{"iss":',
  })
  t.equal(malformed.json().error.code, 'VALIDATION_FAILED')
  const missing = await app.inject({ method: 'GET', url: '/nope' })
  t.same(Object.keys(missing.json().error).sort(), ['code', 'message', 'requestId'])
  t.equal(missing.json().error.code, 'NOT_FOUND')
})

t.test('health and OpenAPI docs', async (t) => {
  const { app } = await buildTestApp(t)
  const health = await app.inject({ method: 'GET', url: '/health' })
  t.equal(health.statusCode, 200)
  t.equal(health.json().status, 'ok')
  const docs = await app.inject({ method: 'GET', url: '/docs/json' })
  t.equal(docs.statusCode, 200)
  t.ok(docs.json().paths['/v1/residents'], 'OpenAPI lists the routes')
})

t.test('key rotation: new tokens use the new key, the old key stays published during the overlap', async (t) => {
  const { app } = await buildTestApp(t)
  const { credential } = (await enrol(app)).json()
  const resident = { authorization: `Bearer ${credential}` }
  const kidOf = (token: string) => JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString()).kid
  const before = (await app.inject({ method: 'POST', url: '/v1/tokens', headers: resident })).json().token
  t.equal(
    (await app.inject({ method: 'POST', url: '/v1/admin/keys/rotate', headers: kiosk })).statusCode,
    401,
    'kiosks cannot rotate',
  )
  const rotated = await app.inject({ method: 'POST', url: '/v1/admin/keys/rotate', headers: operator })
  t.equal(rotated.statusCode, 200)
  const ring = rotated.json()
  t.not(ring.active, kidOf(before))
  t.same(ring.published, [ring.active, kidOf(before)])
  const after = (await app.inject({ method: 'POST', url: '/v1/tokens', headers: resident })).json().token
  t.equal(kidOf(after), ring.active, 'new tokens are signed with the new key')
  const jwks = keysFromJwks((await app.inject({ method: 'GET', url: '/.well-known/jwks.json' })).json())
  const policy = { issuer: 'https://test/immd', audience: 'echannel-gate', clockToleranceSec: 5, maxLifetimeSec: 300 }
  const now = Math.floor(Date.now() / 1000)
  t.equal(verifyToken(before, jwks, policy, now).ok, true, 'a token from before the rotation still verifies')
  t.equal(verifyToken(after, jwks, policy, now).ok, true)
})

t.test('concurrent enrolments: one id or one face cannot be enrolled twice', async (t) => {
  const { app } = await buildTestApp(t)
  const { hkidCheckDigit } = await import('../../contract/hkid.ts')
  const sameId = await Promise.all(
    Array.from({ length: 8 }, (_, i) => enrol(app, { ...adult, photo: photoOf([{ axis: i % 8 }]) })),
  )
  t.equal(sameId.filter((r) => r.statusCode === 201).length, 1, 'one id: exactly one succeeds')
  t.ok(sameId.filter((r) => r.statusCode !== 201).every((r) => r.json().error.code === 'RESIDENT_EXISTS'))
  const ids = Array.from({ length: 6 }, (_, i) => `C${200000 + i}(${hkidCheckDigit('C', String(200000 + i))})`)
  const sameFace = await Promise.all(
    ids.map((residentId) => enrol(app, { ...adult, residentId, photo: photoOf([{ axis: 5 }]) })),
  )
  t.equal(sameFace.filter((r) => r.statusCode === 201).length, 1, 'one face: exactly one succeeds')
  t.ok(sameFace.filter((r) => r.statusCode !== 201).every((r) => r.json().error.code === 'DUPLICATE_FACE_REVIEW'))
})

t.test('templates are sealed at rest; a swapped row fails closed; operator actions are audited', async (t) => {
  const { app, store } = await buildTestApp(t)
  const { hkidCheckDigit } = await import('../../contract/hkid.ts')
  const second = `D${123456}(${hkidCheckDigit('D', '123456')})`
  await enrol(app)
  await enrol(app, { ...adult, residentId: second, photo: photoOf([{ axis: 4 }]) })
  const [one, two] = await store.listActiveTemplates()
  t.equal(one!.sealed.length, 1 + 12 + 16 + 8 * 4, 'version, IV, tag and the ciphertext of 8 floats')
  const plain = new Uint8Array(new Float32Array([1, 0, 0, 0, 0, 0, 0, 0]).buffer)
  t.equal(Buffer.from(one!.sealed).includes(Buffer.from(plain)), false, 'no plaintext descriptor in the row')
  const template = await app.inject({ method: 'GET', url: `/v1/kiosk/templates/${one!.subject}`, headers: kiosk })
  t.equal(template.statusCode, 200, 'the intact row opens')

  // An attacker with database access copies resident two's template onto resident one.
  const db = (store as unknown as { db: { prepare(sql: string): { run(...a: unknown[]): unknown } } }).db
  db.prepare('UPDATE templates SET sealed = ? WHERE subject = ?').run(Buffer.from(two!.sealed), one!.subject)
  const swapped = await app.inject({ method: 'GET', url: `/v1/kiosk/templates/${one!.subject}`, headers: kiosk })
  t.equal(swapped.statusCode, 500)
  t.same(swapped.json().error.code, 'TEMPLATE_UNREADABLE')
  t.equal(swapped.json().error.message, 'internal error', 'no detail leaks')

  await app.inject({ method: 'DELETE', url: `/v1/residents/${encodeURIComponent(second)}`, headers: operator })
  const kinds = (await store.listAudit(10)).map((e) => e.kind)
  t.same(kinds, ['REVOKED', 'ENROLLED', 'ENROLLED'])
})

t.test('Prometheus metrics count what happened', async (t) => {
  const { app } = await buildTestApp(t)
  await enrol(app)
  await enrol(app, { ...adult, residentId: 'A123456(4)' })
  const { credential } = (
    await enrol(app, {
      ...adult,
      residentId: 'B111111(' + (await import('../../contract/hkid.ts')).hkidCheckDigit('B', '111111') + ')',
      photo: photoOf([{ axis: 6 }]),
    })
  ).json()
  await app.inject({ method: 'POST', url: '/v1/tokens', headers: { authorization: `Bearer ${credential}` } })
  const metrics = await app.inject({ method: 'GET', url: '/metrics' })
  t.equal(metrics.statusCode, 200)
  t.match(metrics.headers['content-type'], /text\/plain/)
  t.match(metrics.body, /echannel_enrolments_total\{outcome="ENROLLED"\} 2/)
  t.match(metrics.body, /echannel_enrolments_total\{outcome="RESIDENT_ID_INVALID"\} 1/)
  t.match(metrics.body, /echannel_tokens_issued_total 1/)
  t.match(metrics.body, /http_request_duration_seconds_count\{method="POST",route="\/v1\/residents",status="201"\} 2/)
})

t.test('the duplicate index is rebuilt from the store at start, and follows revocation', async (t) => {
  const { buildApp } = await import('../../server/app.ts')
  const { SqliteStore } = await import('../../server/store/sqlite-store.ts')
  const { testConfig } = await import('../helpers/test-app.ts')
  const { fakeFaceEngine } = await import('../helpers/fake-engine.ts')
  const { hkidCheckDigit } = await import('../../contract/hkid.ts')
  const store = new SqliteStore(':memory:')
  t.teardown(() => store.close())
  const config = testConfig()
  const first = await buildApp(config, { store, faceEngine: fakeFaceEngine(), logger: false })
  t.equal((await enrol(first)).statusCode, 201)
  await first.close()

  const restarted = await buildApp(config, { store, faceEngine: fakeFaceEngine(), logger: false })
  t.teardown(() => restarted.close())
  const other = { ...adult, residentId: `E654321(${hkidCheckDigit('E', '654321')})` }
  t.equal(
    (await enrol(restarted, other)).json().error.code,
    'DUPLICATE_FACE_REVIEW',
    'the face enrolled before the restart is found',
  )
  await restarted.inject({
    method: 'DELETE',
    url: `/v1/residents/${encodeURIComponent(adult.residentId)}`,
    headers: operator,
  })
  t.equal((await enrol(restarted, other)).statusCode, 201, 'after revocation the face may enrol again')
})
