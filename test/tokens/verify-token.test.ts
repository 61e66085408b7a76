import { createHmac, generateKeyPairSync, sign } from 'node:crypto'
import t from 'tap'
import jwt from 'jsonwebtoken'
import { generateSigningKey, keysFromJwks, toPublicJwk } from '../../tokens/jwks.ts'
import { signToken } from '../../tokens/sign-token.ts'
import { TOKEN_TYP, type TokenPolicy } from '../../tokens/token-profile.ts'
import { verifyToken } from '../../tokens/verify-token.ts'

const key = generateSigningKey()
const keys = new Map([[key.kid, key.publicKey]])
const policy: TokenPolicy = { issuer: 'iss-test', audience: 'gate', clockToleranceSec: 5, maxLifetimeSec: 300 }
const NOW = 1_800_000_000
const request = { issuer: 'iss-test', audience: 'gate', subject: 'subject-0001', lifetimeSec: 120, nowSec: NOW }
const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url')

/** Signs arbitrary header and claims with the real key, to test the claim rules one by one. */
function signRaw(claims: Record<string, unknown>, header: Record<string, unknown> = {}) {
  // noTimestamp: jsonwebtoken would otherwise add an iat of its own when the claims have none.
  return jwt.sign(claims, key.privateKey, {
    algorithm: 'ES256',
    header: { alg: 'ES256', typ: TOKEN_TYP, kid: key.kid, ...header },
    noTimestamp: !('iat' in claims),
  })
}
const validClaims = () => ({
  iss: 'iss-test',
  aud: 'gate',
  sub: 'subject-0001',
  jti: 'abcdefghijklmnop',
  iat: NOW,
  nbf: NOW,
  exp: NOW + 120,
})

t.test('a token signed by the issuer verifies, with its claims', async (t) => {
  const { token, claims } = signToken(request, key)
  const result = verifyToken(token, keys, policy, NOW + 10)
  t.same(result, { ok: true, kid: key.kid, claims })
  t.ok(token.length < 400, `token is short enough for a small QR (${token.length} chars)`)
})

t.test('signature and algorithm attacks are TOKEN_INVALID', async (t) => {
  const { token } = signToken(request, key)
  const [h, p, s] = token.split('.')
  const tamperedPayload = `${h}.${b64({ ...validClaims(), sub: 'subject-9999' })}.${s}`
  t.equal(verifyToken(tamperedPayload, keys, policy, NOW).ok, false, 'altered payload')
  const flipped = s!.slice(0, -2) + (s!.endsWith('AA') ? 'BB' : 'AA')
  t.equal(verifyToken(`${h}.${p}.${flipped}`, keys, policy, NOW).ok, false, 'altered signature')
  const none = `${b64({ alg: 'none', typ: TOKEN_TYP, kid: key.kid })}.${p}.`
  t.match(verifyToken(none, keys, policy, NOW), { ok: false, reason: 'TOKEN_INVALID' }, 'alg none')
  const hsHeader = b64({ alg: 'HS256', typ: TOKEN_TYP, kid: key.kid })
  const pem = key.publicKey.export({ type: 'spki', format: 'pem' })
  const hsSig = createHmac('sha256', pem).update(`${hsHeader}.${p}`).digest('base64url')
  t.match(
    verifyToken(`${hsHeader}.${p}.${hsSig}`, keys, policy, NOW),
    { ok: false, reason: 'TOKEN_INVALID' },
    'HS256 with the public key as secret',
  )
  const attacker = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  const forged = jwt.sign(validClaims(), attacker.privateKey, {
    algorithm: 'ES256',
    header: { alg: 'ES256', typ: TOKEN_TYP, kid: key.kid },
  })
  t.match(
    verifyToken(forged, keys, policy, NOW),
    { ok: false, reason: 'TOKEN_INVALID' },
    'signed by another key under our kid',
  )
})

t.test('kid must be known and well-formed; the key map is a Map', async (t) => {
  t.equal(verifyToken(signRaw(validClaims()), keys, policy, NOW).ok, true, 'known kid')
  t.match(verifyToken(signRaw(validClaims(), { kid: 'unknown-kid' }), keys, policy, NOW), {
    ok: false,
    detail: 'unknown kid',
  })
  t.match(verifyToken(signRaw(validClaims(), { kid: '__proto__' }), keys, policy, NOW), {
    ok: false,
    reason: 'TOKEN_INVALID',
  })
  t.match(verifyToken(signRaw(validClaims(), { kid: '../../etc/passwd' }), keys, policy, NOW), {
    ok: false,
    detail: 'kid format',
  })
  t.match(verifyToken(signRaw(validClaims(), { kid: 42 }), keys, policy, NOW), { ok: false, detail: 'kid format' })
  t.match(verifyToken(signRaw(validClaims(), { typ: 'JWT' }), keys, policy, NOW), { ok: false, detail: 'typ' })
})

t.test(
  'an unknown kid is reported as data, so a kiosk can refetch its keys; other failures carry no kid',
  async (t) => {
    const unknown = verifyToken(signRaw(validClaims(), { kid: 'rotated-kid-1' }), keys, policy, NOW)
    t.match(unknown, { ok: false, reason: 'TOKEN_INVALID', detail: 'unknown kid', unknownKid: 'rotated-kid-1' })
    const others = [
      verifyToken(signRaw(validClaims(), { kid: '../../etc/passwd' }), keys, policy, NOW),
      verifyToken(signRaw(validClaims(), { typ: 'JWT' }), keys, policy, NOW),
      verifyToken(signRaw({ ...validClaims(), jti: 'short' }), keys, policy, NOW),
      verifyToken(signToken(request, key).token, keys, policy, NOW + 200),
      verifyToken('a.b.c', keys, policy, NOW),
    ]
    for (const check of others) {
      t.equal(check.ok, false)
      t.notOk('unknownKid' in check, `no unknownKid for ${check.ok ? 'ok' : check.detail}`)
    }
  },
)

t.test('every claim is required and checked', async (t) => {
  for (const claim of ['exp', 'iat', 'nbf', 'jti', 'sub', 'aud', 'iss']) {
    const claims: Record<string, unknown> = validClaims()
    delete claims[claim]
    t.match(verifyToken(signRaw(claims), keys, policy, NOW), { ok: false, reason: 'TOKEN_INVALID' }, `missing ${claim}`)
  }
  t.equal(verifyToken(signRaw({ ...validClaims(), aud: 'other' }), keys, policy, NOW).ok, false, 'wrong audience')
  t.equal(verifyToken(signRaw({ ...validClaims(), iss: 'other' }), keys, policy, NOW).ok, false, 'wrong issuer')
  t.match(
    verifyToken(signRaw({ ...validClaims(), iat: NOW + 60, nbf: NOW + 60, exp: NOW + 120 }), keys, policy, NOW),
    { ok: false, reason: 'TOKEN_NOT_YET_VALID' },
    'future iat and nbf',
  )
  t.match(
    verifyToken(signRaw({ ...validClaims(), iat: NOW + 60 }), keys, policy, NOW),
    { ok: false, detail: 'iat in the future' },
    'future iat',
  )
  t.match(
    verifyToken(signRaw({ ...validClaims(), exp: NOW + 3600 }), keys, policy, NOW),
    { ok: false, detail: 'lifetime' },
    'over-long lifetime',
  )
  t.equal(verifyToken(signRaw({ ...validClaims(), exp: NOW + 300 }), keys, policy, NOW).ok, true, 'lifetime at the cap')
  t.match(verifyToken(signRaw({ ...validClaims(), jti: 'short' }), keys, policy, NOW), { ok: false, detail: 'jti' })
})

t.test('time: expired and not-yet-valid, with a small tolerance', async (t) => {
  const { token } = signToken(request, key)
  t.equal(verifyToken(token, keys, policy, NOW + 119).ok, true, 'just before exp')
  t.equal(verifyToken(token, keys, policy, NOW + 122).ok, true, 'inside the tolerance')
  t.match(verifyToken(token, keys, policy, NOW + 200), { ok: false, reason: 'TOKEN_EXPIRED' })
  t.match(verifyToken(token, keys, policy, NOW - 60), { ok: false, reason: 'TOKEN_NOT_YET_VALID' })
})

t.test('garbage never throws', async (t) => {
  for (const input of [
    '',
    'a.b.c',
    '...',
    'x'.repeat(5000),
    `${b64([1, 2])}.${b64([])}.sig`,
    null as unknown as string,
  ]) {
    t.match(verifyToken(input, keys, policy, NOW), { ok: false, reason: 'TOKEN_INVALID' })
  }
  t.match(verifyToken(signRaw(validClaims()), keys, policy, NOW), { ok: true })
})

t.test('JWKS round trip keeps only P-256 signing keys', async (t) => {
  const jwks = {
    keys: [
      toPublicJwk(key),
      { kty: 'RSA', kid: 'rsa', n: 'x', e: 'AQAB' },
      { ...toPublicJwk(key), kid: 'bad kid!' },
      { ...toPublicJwk(key), kid: 'other', x: 'AAAA' },
    ],
  }
  const parsed = keysFromJwks(jwks)
  t.same([...parsed.keys()], [key.kid])
  const { token } = signToken(request, key)
  t.equal(verifyToken(token, parsed, policy, NOW).ok, true)
  t.equal(keysFromJwks({ keys: 'nope' }).size, 0)
})

/** Signs the exact header and payload bytes given (as a token JSON library never would), with the real key. */
function signBytes(header: Buffer, payload: Buffer): string {
  const input = `${header.toString('base64url')}.${payload.toString('base64url')}`
  const signature = sign('sha256', Buffer.from(input), { key: key.privateKey, dsaEncoding: 'ieee-p1363' })
  return `${input}.${signature.toString('base64url')}`
}
const headerBytes = (extra: Record<string, unknown> = {}) =>
  Buffer.from(JSON.stringify({ alg: 'ES256', typ: TOKEN_TYP, kid: key.kid, ...extra }))

t.test('RFC 7515 crit: any critical header is refused, even well signed', async (t) => {
  for (const crit of [['exp'], ['https://example/ext'], [], 'b64', null]) {
    const token = signRaw(validClaims(), { crit, ...(Array.isArray(crit) && crit[0] ? { [crit[0]]: true } : {}) })
    t.match(
      verifyToken(token, keys, policy, NOW),
      { ok: false, reason: 'TOKEN_INVALID', detail: 'crit' },
      `crit ${JSON.stringify(crit)}`,
    )
  }
  t.equal(verifyToken(signRaw(validClaims()), keys, policy, NOW).ok, true, 'twin: the same token without crit')
})

t.test('claims must be UTF-8: invalid bytes in a claim are refused, real UTF-8 passes', async (t) => {
  const json = JSON.stringify({ ...validClaims(), note: 'XX' })
  const at = json.indexOf('XX')
  const payload = (bytes: number[]) =>
    Buffer.concat([Buffer.from(json.slice(0, at)), Buffer.from(bytes), Buffer.from(json.slice(at + 2))])
  const invalid: Array<[string, number[]]> = [
    ['a lone 0xFF', [0xff]],
    ['a truncated sequence', [0xe9, 0x99]],
    ['an overlong NUL', [0xc0, 0x80]],
    ['an encoded surrogate', [0xed, 0xa0, 0x80]],
  ]
  for (const [label, bytes] of invalid) {
    const token = signBytes(headerBytes(), payload(bytes))
    t.match(verifyToken(token, keys, policy, NOW), { ok: false, reason: 'TOKEN_INVALID' }, label)
  }
  const badHeader = Buffer.from(headerBytes().toString().replace('"ES256"', '"ES256","x":"\u0000"'))
  badHeader[badHeader.indexOf(0)] = 0xff
  t.match(verifyToken(signBytes(badHeader, Buffer.from(json)), keys, policy, NOW), { ok: false }, 'in the header')
  const chinese = signBytes(headerBytes(), payload([...Buffer.from('陳大文')]))
  t.equal(verifyToken(chinese, keys, policy, NOW).ok, true, 'twin: a claim in real UTF-8 beyond ASCII')
})
