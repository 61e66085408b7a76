// The kiosk's HTTP listener: one allowed browser origin, frames as image bodies, the public state only.
import t from 'tap'
import { buildKioskHttp } from '../../kiosk-sim/serve/kiosk-http.ts'
import type { PublicState } from '../../kiosk-sim/serve/browser-gate.ts'

const SERVER = 'http://127.0.0.1:8080'
const idle: PublicState = {
  phase: 'WAITING_FOR_QR',
  decision: null,
  instruction: null,
  decisionSeq: 0,
  frameMs: null,
  skipped: false,
}

async function build(t: { teardown(fn: () => unknown): void }) {
  const frames: number[] = []
  const gate = {
    state: () => idle,
    onFrame: async (frame: Uint8Array) => {
      frames.push(frame.byteLength)
      return { ...idle, frameMs: 1 }
    },
  }
  const app = await buildKioskHttp({ gate, allowedOrigin: `${SERVER}/`, maxFrameBytes: 1024 })
  t.teardown(() => app.close())
  return { app, frames }
}

t.test('preflight and frames from the server origin are answered with CORS for it alone', async (t) => {
  const { app, frames } = await build(t)
  const preflight = await app.inject({
    method: 'OPTIONS',
    url: '/frames',
    headers: {
      origin: SERVER,
      'access-control-request-method': 'POST',
      'access-control-request-headers': 'content-type',
    },
  })
  t.equal(preflight.statusCode, 204)
  t.equal(preflight.headers['access-control-allow-origin'], SERVER)
  t.match(preflight.headers['access-control-allow-headers'], /content-type/)
  const posted = await app.inject({
    method: 'POST',
    url: '/frames',
    headers: { origin: SERVER, 'content-type': 'image/jpeg' },
    payload: Buffer.alloc(100, 1),
  })
  t.equal(posted.statusCode, 200)
  t.equal(posted.headers['access-control-allow-origin'], SERVER)
  t.same(posted.json(), { ...idle, frameMs: 1 })
  t.same(frames, [100])
  const state = await app.inject({ method: 'GET', url: '/state', headers: { origin: SERVER } })
  t.same(state.json(), idle)
})

t.test('another origin is refused, and its frame never reaches the gate', async (t) => {
  const { app, frames } = await build(t)
  for (const origin of ['http://evil.example', 'http://127.0.0.1:8081', 'null']) {
    const preflight = await app.inject({
      method: 'OPTIONS',
      url: '/frames',
      headers: { origin, 'access-control-request-method': 'POST' },
    })
    t.equal(preflight.statusCode, 403, `preflight from ${origin}`)
    t.notOk(preflight.headers['access-control-allow-origin'])
    const posted = await app.inject({
      method: 'POST',
      url: '/frames',
      headers: { origin, 'content-type': 'image/jpeg' },
      payload: Buffer.alloc(10, 1),
    })
    t.equal(posted.statusCode, 403, `frame from ${origin}`)
    t.equal((await app.inject({ method: 'GET', url: '/state', headers: { origin } })).statusCode, 403)
  }
  t.same(frames, [])
})

t.test('bodies: an image type, not empty, not too large', async (t) => {
  const { app, frames } = await build(t)
  t.equal(
    (await app.inject({ method: 'POST', url: '/frames', headers: { 'content-type': 'text/plain' }, payload: 'hello' }))
      .statusCode,
    415,
  )
  t.equal(
    (
      await app.inject({
        method: 'POST',
        url: '/frames',
        headers: { 'content-type': 'image/jpeg' },
        payload: Buffer.alloc(4096, 1),
      })
    ).statusCode,
    413,
  )
  t.equal(
    (
      await app.inject({
        method: 'POST',
        url: '/frames',
        headers: { 'content-type': 'image/png' },
        payload: Buffer.alloc(0),
      })
    ).statusCode,
    400,
  )
  t.equal(
    (
      await app.inject({
        method: 'POST',
        url: '/frames',
        headers: { 'content-type': 'image/png' },
        payload: Buffer.alloc(8, 1),
      })
    ).statusCode,
    200,
  )
  t.same(frames, [8])
})
