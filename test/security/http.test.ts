// Hostile HTTP against the real app (buildApp with an in-memory store and the fake face engine).
// Every rejection has a twin that succeeds, so that an app refusing everything cannot pass.
import { connect, type Socket } from 'node:net'
import type { InjectOptions } from 'fastify'
import t, { type Test } from 'tap'
import { buildApp } from '../../server/app.ts'
import { hkidCheckDigit } from '../../contract/hkid.ts'
import { SqliteStore } from '../../server/store/sqlite-store.ts'
import type { Store } from '../../server/store/store.ts'
import { fakeFaceEngine, photoOf } from '../helpers/fake-engine.ts'
import { buildTestApp, KIOSK_ID, kiosk, operator, testConfig } from '../helpers/test-app.ts'

type App = Awaited<ReturnType<typeof buildTestApp>>['app']
type Tap = Test

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/

/** Exactly { error: { code, message, requestId } }, nothing else, and no stack or library text. */
function assertErrorBody(
  t: Tap,
  res: { statusCode: number; body: string },
  status: number,
  code: string,
  label = code,
) {
  t.equal(res.statusCode, status, `${label}: status ${status}`)
  let body: unknown
  try {
    body = JSON.parse(res.body)
  } catch {
    t.fail(`${label}: body is not JSON: ${res.body.slice(0, 200)}`)
    return
  }
  const outer = body as { error?: Record<string, unknown> }
  t.same(Object.keys(outer), ['error'], `${label}: only "error" at the top`)
  t.same(
    Object.keys(outer.error ?? {}).sort(),
    ['code', 'message', 'requestId'],
    `${label}: only code, message, requestId`,
  )
  t.equal(outer.error?.code, code, `${label}: code`)
  t.match(outer.error?.requestId, UUID, `${label}: requestId`)
  t.notMatch(
    res.body,
    /\bat .+:\d+:\d+|node_modules|stack|FST_|SQLITE|sharp|vips/i,
    `${label}: no stack or library text`,
  )
}

const jtiBody = (jti: string, extra: Record<string, unknown> = {}) => ({
  iss: 'https://test/immd',
  jti,
  exp: 4_000_000_000,
  ...extra,
})
let jtiCounter = 0
const freshJti = () => `jti_${String(++jtiCounter).padStart(12, '0')}_${process.pid}`

function clearanceEvent(overrides: Record<string, unknown> = {}) {
  return {
    eventId: crypto.randomUUID(),
    kioskId: KIOSK_ID,
    controlPoint: 'lo-wu',
    channel: 'contactless',
    decision: 'APPROVE',
    reason: null,
    score: 0.9,
    modelVersion: 'human-faceres@test',
    kid: 'k1',
    jtiHash: 'a'.repeat(64),
    occurredAt: Date.now(),
    timings: { decodeMs: 1, verifyMs: 1, detectMs: 1, embedMs: 1, livenessMs: 1, matchMs: 1, totalMs: 6 },
    ...overrides,
  }
}

function hkid(n: number): string {
  const digits = String(100000 + n).slice(-6)
  return `C${digits}(${hkidCheckDigit('C', digits)})`
}
const resident = (n: number, extra: Record<string, unknown> = {}) => ({
  residentId: hkid(n),
  name: 'Chan Tai Man',
  dateOfBirth: '1990-05-01',
  photo: photoOf([{ axis: n % 8 }]),
  ...extra,
})

async function enrolAndCredential(app: App, n = 1): Promise<string> {
  const res = await app.inject({ method: 'POST', url: '/v1/residents', headers: operator, payload: resident(n) })
  if (res.statusCode !== 201) throw new Error(`enrolment failed: ${res.statusCode} ${res.body}`)
  return res.json().credential as string
}

const pollutionProbe = () => ({}) as Record<string, unknown> as { polluted?: unknown; isAdmin?: unknown }

t.test(
  'prototype poisoning: __proto__ and constructor.prototype bodies are 400 with our error body; nothing is polluted',
  async (t) => {
    const { app } = await buildTestApp(t)
    const json = { ...kiosk, 'content-type': 'application/json' }
    const bodies = [
      '{"__proto__":{"polluted":true,"isAdmin":true},"iss":"https://test/immd","jti":"aaaaaaaaaaaaaaaaaaaa","exp":4000000000}',
      '{"iss":"https://test/immd","jti":"aaaaaaaaaaaaaaaaaaab","exp":4000000000,"x":{"__proto__":{"polluted":true}}}',
      '{"constructor":{"prototype":{"polluted":true}},"iss":"https://test/immd","jti":"aaaaaaaaaaaaaaaaaaac","exp":4000000000}',
      '{"iss":"https://test/immd","jti":"aaaaaaaaaaaaaaaaaaad","exp":4000000000,"a":[{"constructor":{"prototype":{"isAdmin":true}}}]}',
      '{"\\u005f\\u005fproto__":{"polluted":true}}',
    ]
    for (const payload of bodies) {
      const res = await app.inject({ method: 'POST', url: '/v1/kiosk/jti', headers: json, payload })
      assertErrorBody(t, res, 400, 'VALIDATION_FAILED', payload.slice(0, 40))
    }
    // The same on the enrolment route, JSON and multipart field names.
    const enrol = await app.inject({
      method: 'POST',
      url: '/v1/residents',
      headers: { ...operator, 'content-type': 'application/json' },
      payload: JSON.stringify(resident(1)).replace(/^\{/, '{"__proto__":{"polluted":true},'),
    })
    assertErrorBody(t, enrol, 400, 'VALIDATION_FAILED', 'enrolment with __proto__')
    for (const field of ['__proto__', 'constructor']) {
      const res = await app.inject({
        method: 'POST',
        url: '/v1/residents',
        headers: { ...operator, 'content-type': 'multipart/form-data; boundary=B' },
        payload: `--B\r\nContent-Disposition: form-data; name="${field}"\r\n\r\n{"polluted":true}\r\n--B--\r\n`,
      })
      assertErrorBody(t, res, 400, 'VALIDATION_FAILED', `multipart field ${field}`)
    }
    t.equal(pollutionProbe().polluted, undefined, 'Object.prototype is not polluted')
    t.equal(pollutionProbe().isAdmin, undefined, 'Object.prototype is not polluted (isAdmin)')
    t.same(
      Object.getOwnPropertyNames(Object.prototype).filter((k) => ['polluted', 'isAdmin'].includes(k)),
      [],
    )

    // Twins: the same bodies without the poison are accepted.
    const ok = await app.inject({
      method: 'POST',
      url: '/v1/kiosk/jti',
      headers: json,
      payload: JSON.stringify(jtiBody('aaaaaaaaaaaaaaaaaaaa')),
    })
    t.equal(ok.statusCode, 200, 'clean jti body: 200')
    // A string value that merely mentions __proto__ is data, not a key.
    const mention = await app.inject({
      method: 'POST',
      url: '/v1/residents',
      headers: operator,
      payload: resident(2, { name: '__proto__ constructor prototype' }),
    })
    t.equal(mention.statusCode, 201, 'a name that mentions __proto__ is fine')
    t.ok(
      app.initialConfig.onProtoPoisoning === 'error' && app.initialConfig.onConstructorPoisoning === 'error',
      'poisoning protection is "error"',
    )
  },
)

t.test('body limits per route: one byte over is 413 PAYLOAD_TOO_LARGE, at the limit is accepted', async (t) => {
  const { app } = await buildTestApp(t)
  const credential = await enrolAndCredential(app, 1)
  /** A JSON body of exactly `size` bytes: `base` plus a padding string property. */
  const sized = (base: Record<string, unknown>, size: number) => {
    const empty = JSON.stringify({ ...base, pad: '' }).length
    return JSON.stringify({ ...base, pad: 'x'.repeat(size - empty) })
  }
  const json = { 'content-type': 'application/json' }
  const cases: Array<{
    route: string
    url: string
    headers: Record<string, string>
    limit: number
    base: Record<string, unknown>
    underStatus: number
  }> = [
    // Under the limit these still fail validation (the pad property), which proves the body got past the limit.
    { route: 'jti', url: '/v1/kiosk/jti', headers: kiosk, limit: 1024, base: jtiBody(freshJti()), underStatus: 400 },
    {
      route: 'tokens',
      url: '/v1/tokens',
      headers: { authorization: `Bearer ${credential}` },
      limit: 1024,
      base: {},
      underStatus: 201,
    },
    {
      route: 'credential reset',
      url: `/v1/residents/${encodeURIComponent(hkid(1))}/credential`,
      headers: operator,
      limit: 1024,
      base: {},
      underStatus: 200,
    },
    {
      route: 'enrolment',
      url: '/v1/residents',
      headers: operator,
      limit: app.config.photoBodyLimitBytes,
      base: resident(2),
      underStatus: 400,
    },
    {
      route: 'events',
      url: '/v1/kiosk/events',
      headers: kiosk,
      limit: 2 * 1024 * 1024,
      base: { events: [clearanceEvent()] },
      underStatus: 400,
    },
  ]
  for (const c of cases) {
    const over = await app.inject({
      method: 'POST',
      url: c.url,
      headers: { ...c.headers, ...json },
      payload: sized(c.base, c.limit + 1),
    })
    assertErrorBody(t, over, 413, 'PAYLOAD_TOO_LARGE', `${c.route}: ${c.limit + 1} bytes`)
    const at = await app.inject({
      method: 'POST',
      url: c.url,
      headers: { ...c.headers, ...json },
      payload: sized(c.base, c.limit),
    })
    t.equal(at.statusCode, c.underStatus, `${c.route}: ${c.limit} bytes pass the limit (${at.statusCode})`)
  }
  t.ok(app.config.photoBodyLimitBytes <= 16 * 1024 * 1024, 'the enrolment limit is bounded')

  // A genuine big-but-allowed enrolment photo (fake engine JSON plus whitespace) is enrolled.
  const bigPhoto = Buffer.from(JSON.stringify({ faces: [{ axis: 5 }] }) + ' '.repeat(150_000)).toString('base64')
  const big = await app.inject({
    method: 'POST',
    url: '/v1/residents',
    headers: operator,
    payload: resident(3, { photo: bigPhoto }),
  })
  t.equal(big.statusCode, 201, `a ${Math.round(bigPhoto.length / 1024)} KB photo under the limit is enrolled`)

  // Multipart photo over the file limit.
  const boundary = 'LIMIT'
  const field = (name: string, value: string) =>
    `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`
  const multipart = (photo: Buffer) =>
    Buffer.concat([
      Buffer.from(field('residentId', hkid(4)) + field('name', 'Chan Tai Man') + field('dateOfBirth', '1990-05-01')),
      Buffer.from(
        `--${boundary}\r\n` +
          `Content-Disposition: form-data; name="photo"; filename="p.jpg"\r\nContent-Type: image/jpeg\r\n\r\n`,
      ),
      photo,
      Buffer.from(`\r\n--${boundary}--\r\n`),
    ])
  const mpHeaders = { ...operator, 'content-type': `multipart/form-data; boundary=${boundary}` }
  const tooBig = Buffer.concat([
    Buffer.from(JSON.stringify({ faces: [{ axis: 6 }] })),
    Buffer.alloc(app.config.photoBodyLimitBytes + 1, 0x20),
  ])
  assertErrorBody(
    t,
    await app.inject({ method: 'POST', url: '/v1/residents', headers: mpHeaders, payload: multipart(tooBig) }),
    413,
    'PAYLOAD_TOO_LARGE',
    'multipart photo',
  )
  const fits = Buffer.from(JSON.stringify({ faces: [{ axis: 6 }] }))
  t.equal(
    (await app.inject({ method: 'POST', url: '/v1/residents', headers: mpHeaders, payload: multipart(fits) }))
      .statusCode,
    201,
    'multipart twin',
  )

  // Chunked upload (no Content-Length) on a real socket: cut at the limit too.
  const address = await app.listen({ port: 0, host: '127.0.0.1' })
  const { port } = new URL(address)
  const chunked = await rawExchange(port, (socket) => {
    socket.write(
      `POST /v1/kiosk/jti HTTP/1.1\r\nHost: x\r\nAuthorization: ${kiosk.authorization}\r\n` +
        `Content-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n`,
    )
    const body = sized(jtiBody(freshJti()), 4096)
    for (let i = 0; i < body.length; i += 512) {
      const part = body.slice(i, i + 512)
      socket.write(`${part.length.toString(16)}\r\n${part}\r\n`)
    }
    socket.write('0\r\n\r\n')
  })
  t.match(chunked.text, /^HTTP\/1\.1 413 /, 'chunked body over the limit: 413')
  t.match(chunked.text, /"code":"PAYLOAD_TOO_LARGE"/)
  const chunkedOk = await rawExchange(port, (socket) => {
    const body = JSON.stringify(jtiBody(freshJti()))
    socket.write(
      `POST /v1/kiosk/jti HTTP/1.1\r\nHost: x\r\nAuthorization: ${kiosk.authorization}\r\n` +
        `Content-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n`,
    )
    socket.write(`${body.length.toString(16)}\r\n${body}\r\n0\r\n\r\n`)
  })
  t.match(chunkedOk.text, /^HTTP\/1\.1 200 /, 'chunked twin under the limit: 200')
})

/** Writes with `send`, collects everything until the server closes (or `timeoutMs`). */
function rawExchange(
  port: string | number,
  send: (socket: Socket) => void,
  timeoutMs = 10_000,
): Promise<{ text: string; closedAfterMs: number; timedOut: boolean }> {
  return new Promise((resolve, reject) => {
    const started = performance.now()
    const socket = connect(Number(port), '127.0.0.1')
    const chunks: Buffer[] = []
    const timer = setTimeout(() => {
      socket.destroy()
      resolve({
        text: Buffer.concat(chunks).toString('latin1'),
        closedAfterMs: performance.now() - started,
        timedOut: true,
      })
    }, timeoutMs)
    socket.on('data', (c) => chunks.push(c))
    socket.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code !== 'ECONNRESET' && e.code !== 'EPIPE') {
        clearTimeout(timer)
        reject(e)
      }
    })
    socket.on('close', () => {
      clearTimeout(timer)
      resolve({
        text: Buffer.concat(chunks).toString('latin1'),
        closedAfterMs: performance.now() - started,
        timedOut: false,
      })
    })
    socket.on('connect', () => send(socket))
  })
}

t.test('timeouts: requestTimeout and headersTimeout are set; a slow body and slow headers are cut off', async (t) => {
  const { app } = await buildTestApp(t)
  // What production gets (the same buildApp): Fastify's default requestTimeout is 0, i.e. never.
  t.ok(
    app.server.requestTimeout > 0 && app.server.requestTimeout <= 60_000,
    `requestTimeout ${app.server.requestTimeout} ms`,
  )
  t.ok(
    app.server.headersTimeout > 0 && app.server.headersTimeout <= app.server.requestTimeout,
    `headersTimeout ${app.server.headersTimeout} ms`,
  )
  t.equal(
    (app.initialConfig as { requestTimeout?: number }).requestTimeout,
    app.server.requestTimeout,
    'Fastify was built with it',
  )

  // buildApp takes no timeout options, so the cut-off itself is shown on this instance with Node's own
  // server properties lowered before listen (Node reads them on every connection check).
  const fast = await buildTestApp(t)
  Object.assign(fast.app.server, { requestTimeout: 800, headersTimeout: 400, connectionsCheckingInterval: 50 })
  const { port } = new URL(await fast.app.listen({ port: 0, host: '127.0.0.1' }))
  const body = JSON.stringify(jtiBody(freshJti()))
  const head =
    `POST /v1/kiosk/jti HTTP/1.1\r\nHost: x\r\nAuthorization: ${kiosk.authorization}\r\n` +
    `Content-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`

  // Slow body: headers at once, then one byte every 100 ms (never idle long enough for an idle timeout).
  const slowBody = await rawExchange(port, (socket) => {
    socket.write(head)
    let i = 0
    const drip = setInterval(() => {
      if (socket.destroyed || i >= body.length) return clearInterval(drip)
      socket.write(body[i++]!)
    }, 100)
    socket.on('close', () => clearInterval(drip))
  })
  t.notOk(slowBody.timedOut, 'the server closed the connection')
  t.match(slowBody.text, /^HTTP\/1\.1 408 /, 'slow body: 408 Request Timeout')
  t.ok(
    slowBody.closedAfterMs < 3000,
    `cut off after ${Math.round(slowBody.closedAfterMs)} ms, ` +
      `long before the body was complete (~${body.length * 100} ms)`,
  )

  // Slowloris: headers dribbled.
  const slowHeaders = await rawExchange(port, (socket) => {
    let i = 0
    const drip = setInterval(() => {
      if (socket.destroyed || i >= head.length) return clearInterval(drip)
      socket.write(head[i++]!)
    }, 50)
    socket.on('close', () => clearInterval(drip))
  })
  t.notOk(slowHeaders.timedOut, 'the server closed the slowloris connection')
  t.match(slowHeaders.text, /^HTTP\/1\.1 408 /, 'slow headers: 408')
  t.ok(slowHeaders.closedAfterMs < 2000, `slow headers cut off after ${Math.round(slowHeaders.closedAfterMs)} ms`)

  // Twin: the same request at normal speed, on the same tightened server, succeeds.
  const prompt = await rawExchange(port, (socket) =>
    socket.write(head.replace('\r\n\r\n', '\r\nConnection: close\r\n\r\n') + body),
  )
  t.match(prompt.text, /^HTTP\/1\.1 200 /, 'prompt request: 200')
  t.match(prompt.text, /"consumed":true/)
})

t.test('strict schemas: extra properties, over-long strings and wrong types are 400 VALIDATION_FAILED', async (t) => {
  const { app } = await buildTestApp(t)
  const post = (url: string, headers: Record<string, string>, payload: unknown) =>
    app.inject({ method: 'POST', url, headers, payload: payload as Record<string, unknown> })
  const bad: Array<[string, string, Record<string, string>, unknown]> = [
    ['jti: extra property', '/v1/kiosk/jti', kiosk, jtiBody(freshJti(), { admin: true })],
    ['jti: iss over 200 chars', '/v1/kiosk/jti', kiosk, jtiBody(freshJti(), { iss: 'i'.repeat(201) })],
    ['jti: jti over 64 chars', '/v1/kiosk/jti', kiosk, jtiBody('j'.repeat(65))],
    ['jti: jti with a slash', '/v1/kiosk/jti', kiosk, jtiBody('../../../../etc/passwd__')],
    ['jti: exp not an integer', '/v1/kiosk/jti', kiosk, jtiBody(freshJti(), { exp: 1.5 })],
    ['jti: exp a word', '/v1/kiosk/jti', kiosk, jtiBody(freshJti(), { exp: 'soon' })],
    ['jti: jti an object', '/v1/kiosk/jti', kiosk, jtiBody(freshJti(), { jti: { $gt: '' } })],
    ['jti: missing exp', '/v1/kiosk/jti', kiosk, { iss: 'https://test/immd', jti: freshJti() }],
    ['jti: body is an array', '/v1/kiosk/jti', kiosk, [jtiBody(freshJti())]],
    ['enrolment: extra property', '/v1/residents', operator, resident(1, { status: 'active' })],
    ['enrolment: name over 120 chars', '/v1/residents', operator, resident(1, { name: 'N'.repeat(121) })],
    ['enrolment: control character in name', '/v1/residents', operator, resident(1, { name: 'Chan\u0000Tai' })],
    ['enrolment: id over 11 chars', '/v1/residents', operator, resident(1, { residentId: 'A1234567(3)X' })],
    ['enrolment: photo not base64', '/v1/residents', operator, resident(1, { photo: '<script>alert(1)</script>' })],
    ['enrolment: photo an object', '/v1/residents', operator, resident(1, { photo: { faces: [] } })],
    ['events: extra property on an event', '/v1/kiosk/events', kiosk, { events: [{ ...clearanceEvent(), extra: 1 }] }],
    [
      'events: extra property on timings',
      '/v1/kiosk/events',
      kiosk,
      { events: [clearanceEvent({ timings: { ...clearanceEvent().timings, gpuMs: 1 } })] },
    ],
    [
      'events: over 1000 events',
      '/v1/kiosk/events',
      kiosk,
      { events: Array.from({ length: 1001 }, () => clearanceEvent()) },
    ],
    ['events: empty batch', '/v1/kiosk/events', kiosk, { events: [] }],
    ['events: bad uuid', '/v1/kiosk/events', kiosk, { events: [clearanceEvent({ eventId: 'not-a-uuid' })] }],
    ['events: unknown decision', '/v1/kiosk/events', kiosk, { events: [clearanceEvent({ decision: 'OPEN_GATE' })] }],
    ['events: score out of range', '/v1/kiosk/events', kiosk, { events: [clearanceEvent({ score: 7 })] }],
  ]
  for (const [label, url, headers, payload] of bad)
    assertErrorBody(t, await post(url, headers, payload), 400, 'VALIDATION_FAILED', label)
  const stats = await app.inject({ method: 'GET', url: '/v1/stats?window=forever', headers: operator })
  assertErrorBody(t, stats, 400, 'VALIDATION_FAILED', 'stats: unknown window')
  assertErrorBody(
    t,
    await app.inject({ method: 'GET', url: '/v1/stats?admin=1', headers: operator }),
    400,
    'VALIDATION_FAILED',
    'stats: extra query',
  )
  assertErrorBody(
    t,
    await app.inject({ method: 'GET', url: `/v1/kiosk/templates/${'s'.repeat(65)}`, headers: kiosk }),
    400,
    'VALIDATION_FAILED',
    'template: subject too long',
  )

  // Twins: the same requests, well formed, are accepted.
  t.equal((await post('/v1/kiosk/jti', kiosk, jtiBody(freshJti()))).statusCode, 200, 'jti twin')
  t.equal((await post('/v1/residents', operator, resident(1))).statusCode, 201, 'enrolment twin')
  const events = Array.from({ length: 1000 }, () => clearanceEvent())
  t.same(
    (await post('/v1/kiosk/events', kiosk, { events })).json(),
    { accepted: 1000, duplicates: 0 },
    'events twin: 1000 events',
  )
  t.equal(
    (await app.inject({ method: 'GET', url: '/v1/stats?window=hour', headers: operator })).statusCode,
    200,
    'stats twin',
  )
})

t.test('strict schemas: wrong JSON types are not coerced into valid ones', async (t) => {
  const { app } = await buildTestApp(t)
  for (const [label, patch] of [
    ['exp as a numeric string', { exp: '4000000000' }],
    ['exp as true', { exp: true }],
    ['exp wrapped in an array', { exp: [4_000_000_000] }],
    ['iss as a number', { iss: 12345 }],
  ] as const) {
    const res = await app.inject({
      method: 'POST',
      url: '/v1/kiosk/jti',
      headers: kiosk,
      payload: jtiBody(freshJti(), patch),
    })
    t.equal(res.statusCode, 400, `${label}: 400 (got ${res.statusCode})`)
  }
  const minor = await app.inject({
    method: 'POST',
    url: '/v1/residents',
    headers: operator,
    payload: resident(7, { dateOfBirth: '2012-01-01', guardianConsent: 'false' }),
  })
  t.equal(
    minor.statusCode,
    400,
    `guardianConsent "false" (a string) is not read as a boolean (got ${minor.statusCode})`,
  )
})

t.test(
  'rate limits: POST /v1/tokens and POST /v1/residents answer 429 RATE_LIMITED past the configured limit',
  async (t) => {
    const { app } = await buildTestApp(t)
    const limits = app.config.rateLimits
    t.ok(limits.tokensPerMinute > 0 && limits.tokensPerMinute <= 1000, `tokens: ${limits.tokensPerMinute}/min`)
    t.ok(
      limits.enrolmentsPerMinute > 0 && limits.enrolmentsPerMinute <= 1000,
      `enrolments: ${limits.enrolmentsPerMinute}/min`,
    )

    // Enrolment: the first two requests are real enrolments (201), the rest invalid bodies; all count.
    const credential = await enrolAndCredential(app, 1)
    const other = await enrolAndCredential(app, 3)
    const enrolStatuses: number[] = []
    for (let i = 2; i < limits.enrolmentsPerMinute; i++) {
      enrolStatuses.push(
        (await app.inject({ method: 'POST', url: '/v1/residents', headers: operator, payload: { nope: true } }))
          .statusCode,
      )
    }
    t.notOk(enrolStatuses.includes(429), `no 429 within the first ${limits.enrolmentsPerMinute} enrolment requests`)
    const limited = await app.inject({ method: 'POST', url: '/v1/residents', headers: operator, payload: resident(2) })
    assertErrorBody(t, limited, 429, 'RATE_LIMITED', 'enrolment over the limit')
    t.ok(limited.headers['retry-after'], 'Retry-After is sent')
    t.equal(
      (await app.inject({ method: 'GET', url: `/v1/residents/${encodeURIComponent(hkid(2))}`, headers: operator }))
        .statusCode,
      404,
      'the limited enrolment stored nothing',
    )
    const otherClient = await app.inject({
      method: 'POST',
      url: '/v1/residents',
      headers: operator,
      payload: resident(2),
      remoteAddress: '10.1.2.3',
    })
    t.equal(otherClient.statusCode, 201, 'twin: another client is not limited')

    // Tokens: limited per credential (many phones share one carrier NAT address).
    const bearer = { authorization: `Bearer ${credential}` }
    const tokenStatuses: number[] = []
    for (let i = 0; i < limits.tokensPerMinute; i++) {
      tokenStatuses.push((await app.inject({ method: 'POST', url: '/v1/tokens', headers: bearer })).statusCode)
    }
    t.same(
      [...new Set(tokenStatuses)],
      [201],
      `the first ${limits.tokensPerMinute} token requests of one credential are served`,
    )
    const over = await app.inject({ method: 'POST', url: '/v1/tokens', headers: bearer })
    assertErrorBody(t, over, 429, 'RATE_LIMITED', 'tokens over the limit')
    t.ok(over.headers['retry-after'], 'Retry-After is sent')
    assertErrorBody(
      t,
      await app.inject({ method: 'POST', url: '/v1/tokens', headers: bearer, remoteAddress: '10.9.9.9' }),
      429,
      'RATE_LIMITED',
      'the same credential from another address',
    )
    t.equal(
      (await app.inject({ method: 'POST', url: '/v1/tokens', headers: { authorization: `Bearer ${other}` } }))
        .statusCode,
      201,
      'twin: another resident behind the same address still gets tokens',
    )
  },
)

t.test('rate limits: a flood of wrong credentials from one address is limited too', async (t) => {
  const { app } = await buildTestApp(t)
  const statuses: number[] = []
  for (let i = 0; i <= app.config.rateLimits.tokensPerMinute * 2; i++) {
    statuses.push(
      (
        await app.inject({
          method: 'POST',
          url: '/v1/tokens',
          headers: { authorization: `Bearer rc_guess_${i}` },
          remoteAddress: '10.6.6.6',
        })
      ).statusCode,
    )
  }
  t.ok(statuses.includes(429), `429 after ${statuses.length} guesses from one address (got ${[...new Set(statuses)]})`)
})

t.test('unknown routes and methods are 404 NOT_FOUND with our body', async (t) => {
  const { app } = await buildTestApp(t)
  const cases: Array<[string, string, Record<string, string>?]> = [
    ['GET', '/nope'],
    ['GET', '/v1'],
    ['POST', '/v1/kiosk/unknown', kiosk],
    ['DELETE', '/v1/tokens'],
    ['PUT', '/v1/residents', operator],
    ['GET', '/v1/admin/keys/../../etc/passwd'],
    ['GET', `/${'a'.repeat(5000)}`],
    ['GET', '/.env'],
  ]
  for (const [method, url, headers] of cases) {
    assertErrorBody(
      t,
      await app.inject({ method: method as 'GET', url, headers: headers ?? {} }),
      404,
      'NOT_FOUND',
      `${method} ${url.slice(0, 40)}`,
    )
  }
  t.equal((await app.inject({ method: 'GET', url: '/health' })).statusCode, 200, 'twin: a known route answers')
})

t.test('malformed URLs are 400 with our error body', async (t) => {
  const { app } = await buildTestApp(t)
  for (const url of ['/%zz', '/v1/residents/%E0%A4%A']) {
    assertErrorBody(t, await app.inject({ method: 'GET', url, headers: operator }), 400, 'VALIDATION_FAILED', url)
  }
})

t.test('every error body has exactly { error: { code, message, requestId } }', async (t) => {
  const { app } = await buildTestApp(t)
  await enrolAndCredential(app, 1)
  const cases: Array<[string, InjectOptions, number, string]> = [
    ['no auth', { method: 'POST', url: '/v1/residents', payload: resident(2) }, 401, 'UNAUTHORIZED'],
    [
      'kiosk key on operator route',
      { method: 'GET', url: `/v1/residents/${encodeURIComponent(hkid(1))}`, headers: kiosk },
      401,
      'UNAUTHORIZED',
    ],
    [
      'bad HKID check digit',
      { method: 'GET', url: `/v1/residents/${encodeURIComponent('A123456(4)')}`, headers: operator },
      400,
      'RESIDENT_ID_INVALID',
    ],
    [
      'unknown resident',
      { method: 'GET', url: `/v1/residents/${encodeURIComponent(hkid(9))}`, headers: operator },
      404,
      'RESIDENT_NOT_FOUND',
    ],
    [
      'resident exists',
      { method: 'POST', url: '/v1/residents', headers: operator, payload: resident(1) },
      409,
      'RESIDENT_EXISTS',
    ],
    [
      'not an image',
      {
        method: 'POST',
        url: '/v1/residents',
        headers: operator,
        payload: resident(3, { photo: Buffer.from('GIF89a not json').toString('base64') }),
      },
      415,
      'IMAGE_UNSUPPORTED',
    ],
    [
      'no face',
      { method: 'POST', url: '/v1/residents', headers: operator, payload: resident(3, { photo: photoOf([]) }) },
      422,
      'FACE_NOT_FOUND',
    ],
    [
      'malformed JSON',
      {
        method: 'POST',
        url: '/v1/kiosk/jti',
        headers: { ...kiosk, 'content-type': 'application/json' },
        payload: '{"iss":',
      },
      400,
      'VALIDATION_FAILED',
    ],
    [
      'empty JSON',
      { method: 'POST', url: '/v1/kiosk/jti', headers: { ...kiosk, 'content-type': 'application/json' }, payload: '' },
      400,
      'VALIDATION_FAILED',
    ],
    [
      'unknown media type',
      {
        method: 'POST',
        url: '/v1/kiosk/jti',
        headers: { ...kiosk, 'content-type': 'application/x-evil' },
        payload: 'x',
      },
      415,
      'UNSUPPORTED_MEDIA_TYPE',
    ],
    [
      'template of unknown subject',
      { method: 'GET', url: '/v1/kiosk/templates/abcdefghijkl', headers: kiosk },
      404,
      'RESIDENT_NOT_FOUND',
    ],
    [
      'events from another kiosk',
      {
        method: 'POST',
        url: '/v1/kiosk/events',
        headers: kiosk,
        payload: { events: [clearanceEvent({ kioskId: 'kiosk-2' })] },
      },
      403,
      'EVENT_KIOSK_MISMATCH',
    ],
    [
      'unknown token id',
      {
        method: 'GET',
        url: '/v1/tokens/AAAAAAAAAAAAAAAAAAAA/qr.png',
        headers: { authorization: 'Bearer rc_nobody_at_all' },
      },
      401,
      'UNAUTHORIZED',
    ],
  ]
  for (const [label, request, status, code] of cases) assertErrorBody(t, await app.inject(request), status, code, label)
  const jti = jtiBody(freshJti())
  t.equal(
    (await app.inject({ method: 'POST', url: '/v1/kiosk/jti', headers: kiosk, payload: jti })).statusCode,
    200,
    'twin: first use of a jti',
  )
  assertErrorBody(
    t,
    await app.inject({ method: 'POST', url: '/v1/kiosk/jti', headers: kiosk, payload: jti }),
    409,
    'TOKEN_REPLAYED',
    'second use',
  )
})

/** A real SQLite store whose named methods throw `thrown`. */
function brokenStore(thrown: () => unknown, methods: string[]): Store {
  const store = new SqliteStore(':memory:')
  return new Proxy(store, {
    get(target, prop, receiver) {
      if (typeof prop === 'string' && methods.includes(prop)) {
        return async () => {
          throw thrown()
        }
      }
      const value = Reflect.get(target, prop, receiver)
      return typeof value === 'function' ? value.bind(target) : value
    },
  })
}

async function appWithStore(t: Tap, store: Store) {
  const app = await buildApp(testConfig(), { store, faceEngine: fakeFaceEngine(), logger: false })
  t.teardown(async () => {
    await app.close()
    await store.close()
  })
  return app
}

const SECRET = 'SQLITE_CORRUPT: database disk image is malformed at /var/lib/echannel/secret.db (pg password=hunter2)'

t.test(
  '5xx: a store that throws gives 500 INTERNAL_ERROR with a generic message, no stack, no library text',
  async (t) => {
    const throwers: Array<[string, () => unknown]> = [
      ['Error', () => new Error(SECRET)],
      ['TypeError', () => new TypeError(SECRET)],
      ['Error with a pg-style code', () => Object.assign(new Error(SECRET), { code: '23505', detail: SECRET })],
      ['Error with a 3xx statusCode', () => Object.assign(new Error(SECRET), { statusCode: 302 })],
      ['Error with a bogus statusCode', () => Object.assign(new Error(SECRET), { statusCode: 'teapot' })],
      ['string', () => SECRET],
      ['plain object', () => ({ message: SECRET, stack: SECRET })],
    ]
    for (const [label, thrown] of throwers) {
      const app = await appWithStore(
        t,
        brokenStore(thrown, ['countEvents', 'consumeJti', 'insertEvents', 'getResidentByCredentialHash']),
      )
      const requests: Array<InjectOptions> = [
        { method: 'GET', url: '/health' },
        { method: 'POST', url: '/v1/kiosk/jti', headers: kiosk, payload: jtiBody(freshJti()) },
        { method: 'POST', url: '/v1/kiosk/events', headers: kiosk, payload: { events: [clearanceEvent()] } },
        { method: 'POST', url: '/v1/tokens', headers: { authorization: 'Bearer rc_anything_at_all' } },
      ]
      for (const request of requests) {
        const res = await app.inject(request)
        assertErrorBody(t, res, 500, 'INTERNAL_ERROR', `${label}: ${request.method} ${request.url}`)
        t.equal(res.json().error.message, 'internal error', `${label}: generic message`)
        t.notMatch(res.body, /SQLITE|secret|hunter2|malformed|\/var\//, `${label}: nothing of the thrown error`)
      }
      // Twin: the same app serves what does not touch the broken methods.
      t.equal((await app.inject({ method: 'GET', url: '/.well-known/jwks.json' })).statusCode, 200, `${label}: twin`)
    }
    // Twin: the same requests on a healthy store succeed.
    const healthy = await appWithStore(t, new SqliteStore(':memory:'))
    t.equal((await healthy.inject({ method: 'GET', url: '/health' })).statusCode, 200, 'healthy store: /health 200')
    t.equal(
      (await healthy.inject({ method: 'POST', url: '/v1/kiosk/jti', headers: kiosk, payload: jtiBody(freshJti()) }))
        .statusCode,
      200,
    )
  },
)

t.test('5xx: odd throwables (null, code "constructor") still get our body', async (t) => {
  for (const [label, thrown] of [
    ['null', () => null],
    ['code "constructor"', () => Object.assign(new Error(SECRET), { code: 'constructor' })],
    ['code "toString"', () => Object.assign(new Error(SECRET), { code: 'toString' })],
  ] as Array<[string, () => unknown]>) {
    const app = await appWithStore(t, brokenStore(thrown, ['countEvents', 'consumeJti']))
    assertErrorBody(t, await app.inject({ method: 'GET', url: '/health' }), 500, 'INTERNAL_ERROR', `${label}: /health`)
    assertErrorBody(
      t,
      await app.inject({ method: 'POST', url: '/v1/kiosk/jti', headers: kiosk, payload: jtiBody(freshJti()) }),
      500,
      'INTERNAL_ERROR',
      `${label}: jti`,
    )
  }
})
