// The dashboard's live stream: the cookie exchange, the SSE feed, and the static pages.
import { randomUUID } from 'node:crypto'
import t from 'tap'
import { perMinute } from '../../server/stats/per-minute.ts'
import { cookieValue, issueTicket, ticketKeyFrom, verifyTicket } from '../../server/stats/stream-ticket.ts'
import { KIOSK_ID, buildTestApp, kiosk, operator, testConfig } from '../helpers/test-app.ts'

t.test('stream tickets: a genuine one opens, a forged, expired or foreign one does not', async (t) => {
  const key = ticketKeyFrom(Buffer.alloc(32, 7))
  const ticket = issueTicket(key, 'operator', 1_000)
  t.same(verifyTicket(key, ticket, 1_000), { principal: 'operator', expSec: 1_900 })
  t.equal(verifyTicket(key, ticket, 1_900), null, 'expired at exp')
  t.equal(verifyTicket(ticketKeyFrom(Buffer.alloc(32, 8)), ticket, 1_000), null, 'another deployment key')
  const parts = ticket.split('.')
  t.equal(
    verifyTicket(key, [parts[0], '999999999', ...parts.slice(2)].join('.'), 1_000),
    null,
    'a lengthened expiry breaks the MAC',
  )
  t.equal(
    verifyTicket(key, [parts[0], parts[1], 'kiosk-9', ...parts.slice(3)].join('.'), 1_000),
    null,
    'another principal breaks the MAC',
  )
  t.equal(verifyTicket(key, undefined, 1_000), null)
  t.equal(verifyTicket(key, 'v1.x', 1_000), null)
  t.throws(() => issueTicket(key, 'a.b', 1_000), RangeError)
  t.equal(cookieValue('a=1; stats_stream=xyz; b=2', 'stats_stream'), 'xyz')
  t.equal(cookieValue('a=1', 'stats_stream'), undefined)
})

t.test('perMinute buckets clearances by whole minute, oldest first', async (t) => {
  const now = 10 * 60_000 + 30_000
  const buckets = perMinute(
    [
      { occurredAt: now - 1_000, channel: 'contactless' },
      { occurredAt: now - 20_000, channel: 'conventional' },
      { occurredAt: now - 61_000, channel: 'contactless' },
      { occurredAt: now - 10 * 60_000, channel: 'contactless' },
      { occurredAt: now + 5_000, channel: 'contactless' },
    ],
    now,
    3,
  )
  t.same(
    buckets.map((b) => b.startMs),
    [8 * 60_000, 9 * 60_000, 10 * 60_000],
  )
  t.same(
    buckets.map((b) => [b.contactless, b.conventional]),
    [
      [0, 0],
      [1, 0],
      [1, 1],
    ],
    'too old and future events left out',
  )
})

const event = (decision: string, reason: string | null, channel = 'contactless') => ({
  eventId: randomUUID(),
  kioskId: KIOSK_ID,
  controlPoint: 'HKIA-T1',
  channel,
  decision,
  reason,
  score: 0.97,
  modelVersion: 'm@1',
  kid: null,
  jtiHash: null,
  occurredAt: Date.now(),
  timings: { decodeMs: 5, verifyMs: 2, detectMs: 40, embedMs: 80, livenessMs: 5, matchMs: 0.1, totalMs: 140 },
})

/** Reads `stats` events from an SSE response body. */
function sseReader(body: ReadableStream<Uint8Array>) {
  const reader = body.getReader()
  const decoder = new TextDecoder()
  let buffer = ''
  return async function next(timeoutMs = 5_000): Promise<{ event: string; data: string }> {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const end = buffer.indexOf('\n\n')
      if (end >= 0) {
        const block = buffer.slice(0, end)
        buffer = buffer.slice(end + 2)
        const event = /^event: (.*)$/m.exec(block)?.[1]
        const data = /^data: (.*)$/m.exec(block)?.[1]
        if (event && data) return { event, data }
        continue
      }
      const left = deadline - Date.now()
      if (left <= 0) throw new Error('no SSE event in time')
      const chunk = await Promise.race([
        reader.read(),
        new Promise<never>((_, reject) => setTimeout(() => reject(new Error('no SSE event in time')), left)),
      ])
      if (chunk.done) throw new Error('stream ended')
      buffer += decoder.decode(chunk.value, { stream: true })
    }
  }
}

t.test('stats stream: cookie from a bearer key, a push on ingest', async (t) => {
  const { app } = await buildTestApp(t)
  const base = await app.listen({ host: '127.0.0.1', port: 0 })

  const refused = await fetch(`${base}/v1/stats/stream-session`, { method: 'POST' })
  t.equal(refused.status, 401)
  t.notOk(refused.headers.get('set-cookie'), 'no cookie without a key')
  const wrong = await fetch(`${base}/v1/stats/stream-session`, {
    method: 'POST',
    headers: { authorization: 'Bearer not-a-key-at-all-0000' },
  })
  t.equal(wrong.status, 401)

  const session = await fetch(`${base}/v1/stats/stream-session`, { method: 'POST', headers: operator })
  t.equal(session.status, 200)
  const setCookie = session.headers.get('set-cookie') ?? ''
  t.match(setCookie, /^stats_stream=v1\.[^;]+; Path=\/v1\/stats\/stream; Max-Age=900; HttpOnly; SameSite=Strict$/)
  const cookie = setCookie.split(';')[0]!
  const kioskSession = await fetch(`${base}/v1/stats/stream-session`, { method: 'POST', headers: kiosk })
  t.equal(kioskSession.status, 200, 'a kiosk key may watch too, as it may read /v1/stats')

  t.equal((await fetch(`${base}/v1/stats/stream`)).status, 401, 'no cookie, no stream')
  const forged = cookie.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A'))
  t.equal(
    (await fetch(`${base}/v1/stats/stream`, { headers: { cookie: forged } })).status,
    401,
    'a forged cookie is refused',
  )
  t.equal(
    (await fetch(`${base}/v1/stats/stream`, { headers: operator })).status,
    401,
    'the bearer header alone does not open it',
  )

  const controller = new AbortController()
  t.teardown(() => controller.abort())
  const stream = await fetch(`${base}/v1/stats/stream?window=hour`, { headers: { cookie }, signal: controller.signal })
  t.equal(stream.status, 200)
  t.match(stream.headers.get('content-type'), /^text\/event-stream/)
  const next = sseReader(stream.body!)
  const first = await next()
  t.equal(first.event, 'stats')
  const before = JSON.parse(first.data)
  t.equal(before.events, 0)
  t.equal(before.perMinute.length, 30)
  t.equal(before.share.reference, 0.32)

  const posted = await app.inject({
    method: 'POST',
    url: '/v1/kiosk/events',
    headers: kiosk,
    payload: {
      events: [event('APPROVE', null), event('REJECT', 'FACE_MISMATCH'), event('APPROVE', null, 'conventional')],
    },
  })
  t.equal(posted.statusCode, 200)
  const started = Date.now()
  const after = JSON.parse((await next(2_000)).data)
  t.ok(Date.now() - started < 2_000, 'pushed on ingest, before the 5 s period')
  t.equal(after.events, 3)
  t.same(after.decisions, { APPROVE: 1, REJECT: 1 })
  t.equal(after.share.contactlessShare, 2 / 3)
  t.equal(after.latencyMs.totalMs.p50, 140)
  t.equal(after.perMinute.at(-1).contactless + after.perMinute.at(-1).conventional, 3)
  controller.abort()
})

t.test('static pages: allow-listed files with a strict CSP, nothing else', async (t) => {
  const { app } = await buildTestApp(t)
  const page = await app.inject({ method: 'GET', url: '/dashboard' })
  t.equal(page.statusCode, 200)
  t.match(page.headers['content-type'], /^text\/html/)
  t.match(page.headers['content-security-policy'], /default-src 'self'/)
  t.match(page.body, /<script type="module" src="\/web\/dashboard.js">/)
  t.notMatch(page.body, /https?:\/\//, 'no absolute URL (no CDN) in the page')
  const script = await app.inject({ method: 'GET', url: '/web/dashboard.js' })
  t.equal(script.statusCode, 200)
  t.match(script.headers['content-type'], /^text\/javascript/)
  for (const url of [
    '/web/..%2Fapp.ts',
    '/web/dashboard.html',
    '/web/nope.js',
    '/web/%2e%2e%2f%2e%2e%2fpackage.json',
  ]) {
    t.equal((await app.inject({ method: 'GET', url })).statusCode, 404, url)
  }
  const wasm = await app.inject({ method: 'GET', url: '/vendor/tfjs-backend-wasm-simd.wasm' })
  t.equal(wasm.statusCode, 200)
  t.equal(wasm.headers['content-type'], 'application/wasm')
  for (const url of ['/vendor/faceres.bin', '/vendor/..%2Fpackage.json', '/vendor/constructor', '/vendor/human.d.ts']) {
    t.equal((await app.inject({ method: 'GET', url })).statusCode, 404, `${url} is not on the vendor list`)
  }
  const kioskPage = await app.inject({ method: 'GET', url: '/kiosk' })
  t.equal(kioskPage.statusCode, 200)
  t.equal(kioskPage.headers['permissions-policy'], 'camera=(self), microphone=()', 'the kiosk page may use the camera')
  t.equal(page.headers['permissions-policy'], 'camera=(), microphone=()', 'the dashboard may not')
  t.notMatch(kioskPage.body, /https?:\/\//, 'no absolute URL in the kiosk page')
})

t.test('a stream ends at its cookie expiry, and open streams do not hold up close', async (t) => {
  const { app } = await buildTestApp(t)
  const base = await app.listen({ host: '127.0.0.1', port: 0 })
  const cookie = (await fetch(`${base}/v1/stats/stream-session`, { method: 'POST', headers: operator })).headers
    .get('set-cookie')!
    .split(';')[0]!
  const open = await fetch(`${base}/v1/stats/stream`, { headers: { cookie } })
  const next = sseReader(open.body!)
  t.equal((await next()).event, 'stats')
  const started = Date.now()
  await app.close()
  t.ok(Date.now() - started < 3_000, 'close ended the open stream')
  await t.rejects(next(1_000), /stream ended|no SSE event/, 'the stream is over')

  // A cookie with one second left: the server says "expired" and ends the stream.
  const { app: other } = await buildTestApp(t)
  const otherBase = await other.listen({ host: '127.0.0.1', port: 0 })
  const ticket = issueTicket(
    ticketKeyFrom(testConfig().templateKey),
    'operator',
    Math.floor(Date.now() / 1000) - 899,
    900,
  )
  const dying = await fetch(`${otherBase}/v1/stats/stream`, { headers: { cookie: `stats_stream=${ticket}` } })
  t.equal(dying.status, 200)
  const events = sseReader(dying.body!)
  t.equal((await events()).event, 'stats')
  t.equal((await events(3_000)).event, 'expired', 'told before the end')
  await t.rejects(events(1_000), /stream ended|no SSE event/)
  t.equal(
    (await fetch(`${otherBase}/v1/stats/stream`, { headers: { cookie: `stats_stream=${ticket}` } })).status,
    401,
    'the expired cookie opens nothing',
  )
})
