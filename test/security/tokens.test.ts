// The token attack list through the real kiosk path: a rendered phone frame -> QR decode -> KeyCache (JWKS over
// HTTP) -> verifyToken -> jti ledger and template over HTTP -> face match -> decision. The server is the real app
// (in-memory SQLite, fake face engine) listening on 127.0.0.1. Each attack must be refused with its reason; a
// genuine token must be approved, so that a gate refusing everything cannot pass.
import { createHash, createHmac, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto'
import t from 'tap'
import { KeyCache } from '../../kiosk-sim/key-cache.ts'
import { clearPassenger } from '../../kiosk-sim/gate/clear-passenger.ts'
import type { GateDeps } from '../../kiosk-sim/gate/gate-deps.ts'
import type { ClearanceRecord } from '../../kiosk-sim/gate/clearance-record.ts'
import { KioskServerClient } from '../../kiosk-sim/kiosk-server-client.ts'
import { renderPhoneFrame } from '../../kiosk-sim/sources/phone-frame.ts'
import { hkidCheckDigit } from '../../contract/hkid.ts'
import { generateSigningKey, toPublicJwk } from '../../tokens/jwks.ts'
import { gateTokenPolicy, TOKEN_TYP } from '../../tokens/token-profile.ts'
import { fakeFaceEngine, photoOf } from '../helpers/fake-engine.ts'
import { testThresholds } from '../helpers/faces.ts'
import { buildTestApp, KIOSK_ID, KIOSK_KEY, operator, testConfig } from '../helpers/test-app.ts'

const ISSUER = testConfig().issuer
const AUDIENCE = testConfig().audience
const signingKey = { ...generateSigningKey(), createdAt: 0 }

const b64 = (value: unknown) =>
  Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url')

/** A JWT assembled by hand, so that every header and claim can be wrong on purpose. */
function craft(header: Record<string, unknown>, payload: unknown, signer: (input: string) => string): string {
  const input = `${b64(header)}.${b64(payload)}`
  return `${input}.${signer(input)}`
}
const es256 = (key: KeyObject) => (input: string) =>
  sign('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' }).toString('base64url')
const withServerKey = es256(signingKey.privateKey)
const attacker = generateKeyPairSync('ec', { namedCurve: 'P-256' })
const withAttackerKey = es256(attacker.privateKey)
const header = (extra: Record<string, unknown> = {}) => ({
  alg: 'ES256',
  typ: TOKEN_TYP,
  kid: signingKey.kid,
  ...extra,
})

function claims(subject: string, nowSec: number, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    iss: ISSUER,
    aud: AUDIENCE,
    sub: subject,
    jti: randomBytes(12).toString('base64url'),
    iat: nowSec,
    nbf: nowSec,
    exp: nowSec + 120,
    ...extra,
  }
}

function without(record: Record<string, unknown>, key: string): Record<string, unknown> {
  const copy = { ...record }
  delete copy[key]
  return copy
}

function hkid(n: number): string {
  const digits = String(200000 + n).slice(-6)
  return `D${digits}(${hkidCheckDigit('D', digits)})`
}

const faceFrame = (axis: number) => Buffer.from(JSON.stringify({ faces: [{ axis }] }))

type Expected = { decision: ClearanceRecord['decision']; reason: ClearanceRecord['reason'] }

t.test('the kiosk refuses every token attack and approves the genuine token', async (t) => {
  const { app } = await buildTestApp(t, { signingKeys: [signingKey] })
  const statuses: number[] = []
  app.addHook('onResponse', async (_request, reply) => void statuses.push(reply.statusCode))
  const url = await app.listen({ port: 0, host: '127.0.0.1' })

  /** Enrols a resident with face `axis`; returns the resident id, subject and resident credential. */
  async function enrol(n: number, axis: number) {
    const residentId = hkid(n)
    const res = await app.inject({
      method: 'POST',
      url: '/v1/residents',
      headers: operator,
      payload: { residentId, name: 'Chan Tai Man', dateOfBirth: '1990-05-01', photo: photoOf([{ axis }]) },
    })
    if (res.statusCode !== 201) throw new Error(`enrolment: ${res.statusCode} ${res.body}`)
    const credential = res.json().credential as string
    const token = await issue(credential)
    const subject = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()).sub as string
    return { residentId, subject, credential }
  }
  async function issue(credential: string): Promise<string> {
    const res = await app.inject({
      method: 'POST',
      url: '/v1/tokens',
      headers: { authorization: `Bearer ${credential}` },
    })
    if (res.statusCode !== 201) throw new Error(`token: ${res.statusCode} ${res.body}`)
    return res.json().token as string
  }

  const server = new KioskServerClient(url, KIOSK_KEY)
  const keys = new KeyCache(() => server.fetchJwks(), 15 * 60_000)
  const deps: GateDeps = {
    engine: fakeFaceEngine(),
    server,
    keys,
    policy: testThresholds,
    tokenPolicy: gateTokenPolicy(ISSUER, AUDIENCE),
    identity: { kioskId: KIOSK_ID, controlPoint: 'lo-wu' },
    now: () => Date.now(),
  }
  let seed = 1
  async function present(token: string, axis = 0, size?: { width: number; height: number }): Promise<ClearanceRecord> {
    const qrFrame = await renderPhoneFrame(token, { seed: seed++, difficulty: 'clean', ...size })
    return clearPassenger({ qrFrame, faceFrame: faceFrame(axis) }, deps)
  }
  async function expect(
    label: string,
    token: string,
    expected: Expected,
    axis = 0,
    size?: { width: number; height: number },
  ) {
    const record = await present(token, axis, size)
    t.same({ decision: record.decision, reason: record.reason }, expected, label)
    if (expected.decision !== 'APPROVE') t.not(record.decision, 'APPROVE', `${label}: never approved`)
    return record
  }
  const REJECT_INVALID: Expected = { decision: 'REJECT', reason: 'TOKEN_INVALID' }

  const alice = await enrol(1, 0)
  const bob = await enrol(2, 3)

  // Positive twins first: a server-issued token, and a hand-crafted one with the same rules, are approved.
  const genuine = await issue(alice.credential)
  const approved = await expect('genuine server-issued token: APPROVE', genuine, { decision: 'APPROVE', reason: null })
  t.equal(approved.kid, signingKey.kid)
  t.match(approved.jtiHash, /^[a-f0-9]{64}$/)
  t.notMatch(
    JSON.stringify(approved),
    new RegExp(`${alice.subject}|${alice.residentId.slice(0, 7)}`),
    'the decision record carries no personal data of the holder',
  )
  await expect('replay of the genuine token (the same QR again)', genuine, {
    decision: 'REJECT',
    reason: 'TOKEN_REPLAYED',
  })
  const nowSec = () => Math.floor(Date.now() / 1000)
  await expect(
    'hand-crafted token with every rule kept: APPROVE (the crafting is right)',
    craft(header(), claims(alice.subject, nowSec()), withServerKey),
    {
      decision: 'APPROVE',
      reason: null,
    },
  )

  // Forged or altered.
  const [h, p, s] = genuine.split('.') as [string, string, string]
  const payload = JSON.parse(Buffer.from(p, 'base64url').toString()) as Record<string, unknown>
  await expect(
    'tampered payload (subject swapped to Bob), signature kept',
    `${h}.${b64({ ...payload, sub: bob.subject })}.${s}`,
    REJECT_INVALID,
    3,
  )
  await expect(
    'tampered payload (exp extended), signature kept',
    `${h}.${b64({ ...payload, exp: (payload.exp as number) + 3600 })}.${s}`,
    REJECT_INVALID,
  )
  const flipped = Buffer.from(s, 'base64url')
  flipped[10]! ^= 0x01
  await expect('tampered signature (one bit)', `${h}.${p}.${flipped.toString('base64url')}`, REJECT_INVALID)
  await expect('signature removed', `${h}.${p}.`, REJECT_INVALID)
  await expect(
    'alg none, no signature',
    craft(header({ alg: 'none' }), claims(alice.subject, nowSec()), () => ''),
    REJECT_INVALID,
  )
  await expect('alg none, old signature kept', `${b64(header({ alg: 'none' }))}.${p}.${s}`, REJECT_INVALID)
  await expect(
    'alg "NONE" (case games)',
    craft(header({ alg: 'NONE' }), claims(alice.subject, nowSec()), () => ''),
    REJECT_INVALID,
  )
  const publicPem = signingKey.publicKey.export({ format: 'pem', type: 'spki' }).toString()
  const hmac = (secret: string | Buffer) => (input: string) =>
    createHmac('sha256', secret).update(input).digest('base64url')
  await expect(
    'HS256 signed with the public key (PEM)',
    craft(header({ alg: 'HS256' }), claims(alice.subject, nowSec()), hmac(publicPem)),
    REJECT_INVALID,
  )
  await expect(
    'HS256 signed with the public key (JWK JSON)',
    craft(header({ alg: 'HS256' }), claims(alice.subject, nowSec()), hmac(JSON.stringify(toPublicJwk(signingKey)))),
    REJECT_INVALID,
  )
  await expect(
    'ES256 with the real kid, signed by an attacker key',
    craft(header(), claims(alice.subject, nowSec()), withAttackerKey),
    REJECT_INVALID,
  )
  const attackerJwk = { ...attacker.publicKey.export({ format: 'jwk' }), kid: 'attacker', use: 'sig', alg: 'ES256' }
  await expect(
    'embedded jwk header with the attacker key',
    craft(header({ jwk: attackerJwk }), claims(alice.subject, nowSec()), withAttackerKey),
    REJECT_INVALID,
  )
  await expect(
    'jku header pointing at an attacker JWKS',
    craft(
      header({ jku: 'https://evil.example/jwks.json', kid: 'attacker' }),
      claims(alice.subject, nowSec()),
      withAttackerKey,
    ),
    REJECT_INVALID,
  )
  await expect(
    'x5u header pointing at an attacker certificate',
    craft(header({ x5u: 'https://evil.example/cert.pem' }), claims(alice.subject, nowSec()), withAttackerKey),
    REJECT_INVALID,
  )
  await expect(
    'crit header the gate does not understand, attacker key',
    craft(header({ crit: ['exp'] }), claims(alice.subject, nowSec()), withAttackerKey),
    REJECT_INVALID,
  )

  // RFC 7515 §4.1.11 and UTF-8 text, with the real key: only these rules can refuse them.
  await expect(
    'crit header the gate does not understand, real key',
    craft(
      header({ crit: ['urn:example:ext'], 'urn:example:ext': true }),
      claims(alice.subject, nowSec()),
      withServerKey,
    ),
    REJECT_INVALID,
  )
  const withNote = (note: Buffer) => {
    const json = JSON.stringify(claims(alice.subject, nowSec(), { note: '@@' }))
    const at = json.indexOf('@@')
    const payload = Buffer.concat([Buffer.from(json.slice(0, at)), note, Buffer.from(json.slice(at + 2))])
    const input = `${b64(header())}.${payload.toString('base64url')}`
    return `${input}.${withServerKey(input)}`
  }
  await expect('invalid UTF-8 in a claim, real key', withNote(Buffer.from([0x43, 0xff, 0x68])), REJECT_INVALID)
  await expect('twin: a claim in UTF-8 beyond ASCII, real key: APPROVE', withNote(Buffer.from('陳大文')), {
    decision: 'APPROVE',
    reason: null,
  })

  // Unknown and hostile kids: a Map lookup, never an object's prototype; no path is ever opened.
  const hostileKids: Array<[string, unknown]> = [
    ['unknown kid', 'k-unknown-0001'],
    ['kid __proto__', '__proto__'],
    ['kid constructor', 'constructor'],
    ['kid toString', 'toString'],
    ['kid hasOwnProperty', 'hasOwnProperty'],
    ['kid path traversal', '../../../../etc/passwd'],
    ['kid absolute path', '/dev/zero'],
    ['kid URL', 'https://evil.example/key.pem'],
    ['kid with NUL', `${signingKey.kid}\u0000`],
    ['kid SQL', "' OR 1=1 --"],
    ['kid very long', 'k'.repeat(400)],
    ['kid empty', ''],
    ['kid a number', 1],
    ['kid an object', { $ne: null }],
    ['kid an array', [signingKey.kid]],
    ['kid missing', undefined],
  ]
  for (const [label, kid] of hostileKids) {
    const size = typeof kid === 'string' && kid.length > 100 ? { width: 1280, height: 960 } : undefined
    // Signed with the real key: only the kid is wrong, so only the kid rule can refuse it.
    await expect(label, craft(header({ kid }), claims(alice.subject, nowSec()), withServerKey), REJECT_INVALID, 0, size)
  }
  t.equal(({} as Record<string, unknown>).kid, undefined, 'no prototype was touched')

  // Odd claims, all signed with the real key: only the claim rules can refuse them.
  // Claims are made from the clock right before each presentation (rendering a frame takes a while).
  const oddClaims: Array<[string, (n: number) => unknown, Expected?]> = [
    ['missing exp', (n) => without(claims(alice.subject, n), 'exp')],
    ['missing iat', (n) => without(claims(alice.subject, n), 'iat')],
    ['missing nbf', (n) => without(claims(alice.subject, n), 'nbf')],
    ['missing jti', (n) => without(claims(alice.subject, n), 'jti')],
    ['missing sub', (n) => without(claims(alice.subject, n), 'sub')],
    ['missing aud', (n) => without(claims(alice.subject, n), 'aud')],
    ['missing iss', (n) => without(claims(alice.subject, n), 'iss')],
    [
      'future iat (an hour ahead)',
      (n) => claims(alice.subject, n, { iat: n + 3600, nbf: n + 3600, exp: n + 3700 }),
      { decision: 'REJECT', reason: 'TOKEN_NOT_YET_VALID' },
    ],
    ['future iat, nbf now', (n) => claims(alice.subject, n, { iat: n + 3600, exp: n + 3700 })],
    ['over-long lifetime (a day)', (n) => claims(alice.subject, n, { exp: n + 86_400 })],
    ['over-long lifetime (a year)', (n) => claims(alice.subject, n, { exp: n + 365 * 86_400 })],
    [
      'expired',
      (n) => claims(alice.subject, n - 600, { exp: n - 480 }),
      { decision: 'REJECT', reason: 'TOKEN_EXPIRED' },
    ],
    [
      'expired a minute ago, within max lifetime',
      (n) => claims(alice.subject, n - 100, { exp: n - 60 }),
      { decision: 'REJECT', reason: 'TOKEN_EXPIRED' },
    ],
    [
      'not yet valid (nbf in a minute)',
      (n) => claims(alice.subject, n, { nbf: n + 60 }),
      { decision: 'REJECT', reason: 'TOKEN_NOT_YET_VALID' },
    ],
    ['exp before iat', (n) => claims(alice.subject, n, { exp: n - 1 })],
    ['exp as a string', (n) => claims(alice.subject, n, { exp: String(n + 120) })],
    ['exp fractional', (n) => claims(alice.subject, n, { exp: n + 120.5 })],
    ['iat negative', (n) => claims(alice.subject, n, { iat: -1 })],
    ['wrong audience', (n) => claims(alice.subject, n, { aud: 'some-other-service' })],
    ['audience array with ours inside', (n) => claims(alice.subject, n, { aud: ['some-other-service', AUDIENCE] })],
    ['wrong issuer', (n) => claims(alice.subject, n, { iss: 'https://evil.example' })],
    ['jti too short', (n) => claims(alice.subject, n, { jti: 'abc' })],
    ['sub with a path', (n) => claims(alice.subject, n, { sub: '../residents/admin' })],
    ['payload is an array', (n) => [claims(alice.subject, n)]],
    ['payload is a string', () => 'hello'],
    ['payload is null', () => null],
  ]
  for (const [label, body, expected] of oddClaims) {
    await expect(label, craft(header(), body(nowSec()), withServerKey), expected ?? REJECT_INVALID)
  }
  await expect(
    'typ missing',
    craft(without(header(), 'typ'), claims(alice.subject, nowSec()), withServerKey),
    REJECT_INVALID,
  )
  await expect(
    'typ JWT (another kind of token from the same issuer)',
    craft(header({ typ: 'JWT' }), claims(alice.subject, nowSec()), withServerKey),
    REJECT_INVALID,
  )
  await expect('not a JWT at all', 'https://evil.example/?q=<script>', { decision: 'REJECT', reason: 'TOKEN_INVALID' })
  await expect('unknown subject, well signed', craft(header(), claims('S'.repeat(20), nowSec()), withServerKey), {
    decision: 'REJECT',
    reason: 'TOKEN_REVOKED',
  })

  // Shared token: Alice's QR, Bob's face.
  await expect(
    "Alice's token, Bob's face",
    await issue(alice.credential),
    { decision: 'REJECT', reason: 'FACE_MISMATCH' },
    3,
  )

  // Replay: a fresh token shown twice (a screenshot) is refused the second time.
  const once = await issue(bob.credential)
  await expect("Bob's fresh token: APPROVE", once, { decision: 'APPROVE', reason: null }, 3)
  await expect("Bob's token shown again (a screenshot)", once, { decision: 'REJECT', reason: 'TOKEN_REPLAYED' }, 3)

  // Revoked resident, online.
  const carol = await enrol(3, 5)
  const carolToken = await issue(carol.credential)
  const carolTwin = await issue(carol.credential)
  await expect('twin: Carol before revocation: APPROVE', carolTwin, { decision: 'APPROVE', reason: null }, 5)
  const revoke = await app.inject({
    method: 'DELETE',
    url: `/v1/residents/${encodeURIComponent(carol.residentId)}`,
    headers: operator,
  })
  t.equal(revoke.json().status, 'revoked')
  await expect(
    'revoked resident, token issued before revocation',
    carolToken,
    { decision: 'REJECT', reason: 'TOKEN_REVOKED' },
    5,
  )

  t.notOk(
    statuses.some((s) => s >= 500),
    `no 5xx from the server (statuses seen: ${[...new Set(statuses)].sort()})`,
  )
})

t.test('replay ledger: 100 concurrent consumptions of one jti give exactly one 200', async (t) => {
  const { app, store } = await buildTestApp(t, { signingKeys: [signingKey] })
  const url = await app.listen({ port: 0, host: '127.0.0.1' })
  const consume = (kioskKey: string, body: Record<string, unknown>) =>
    fetch(new URL('/v1/kiosk/jti', url), {
      method: 'POST',
      headers: { authorization: `Bearer ${kioskKey}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    }).then(async (r) => ({ status: r.status, body: (await r.json()) as { error?: { code: string } } }))
  const kioskKeys = Object.values(testConfig().kioskKeys)
  const body = { iss: ISSUER, jti: randomBytes(12).toString('base64url'), exp: Math.floor(Date.now() / 1000) + 120 }
  // Two kiosks, 100 requests in flight at once.
  const results = await Promise.all(
    Array.from({ length: 100 }, (_, i) => consume(kioskKeys[i % kioskKeys.length]!, body)),
  )
  const ok = results.filter((r) => r.status === 200)
  const replayed = results.filter((r) => r.status === 409 && r.body.error?.code === 'TOKEN_REPLAYED')
  t.equal(ok.length, 1, 'exactly one consumption wins')
  t.equal(replayed.length, 99, 'the other 99 are TOKEN_REPLAYED')

  // The ledger is keyed on (iss, jti): the same jti under another issuer is a different token.
  t.equal(
    (await consume(KIOSK_KEY, { ...body, iss: 'https://other-issuer' })).status,
    200,
    'same jti, other issuer: 200',
  )
  // Twin: 100 different jtis at once all succeed.
  const distinct = await Promise.all(
    Array.from({ length: 100 }, (_, i) =>
      consume(kioskKeys[i % kioskKeys.length]!, {
        ...body,
        jti: `${createHash('sha256').update(String(i)).digest('base64url').slice(0, 20)}`,
      }),
    ),
  )
  t.same([...new Set(distinct.map((r) => r.status))], [200], '100 different jtis: all 200')
  t.ok((await store.countEvents()) >= 0, 'store still answers')
})
