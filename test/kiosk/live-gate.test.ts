// The live gate adapter with real frames and QR decoding, a real token and key set, and a scripted face engine
// and server: the wiring from frames to decisions, and failing closed when the engine or the source fails.
import t from 'tap'
import { KeyCache } from '../../kiosk-sim/key-cache.ts'
import { defaultLiveGateConfig } from '../../kiosk-sim/gate/gate-state-machine.ts'
import type { LiveDecision } from '../../kiosk-sim/gate/gate-driver.ts'
import { runLiveGate, type LiveGateDeps } from '../../kiosk-sim/live/live-gate.ts'
import type { KioskServerClient } from '../../kiosk-sim/kiosk-server-client.ts'
import type { RawFrame } from '../../kiosk-sim/sources/ffmpeg-frames.ts'
import { passengerClipFrames } from '../../kiosk-sim/sources/passenger-clip.ts'
import type { DetectedFace, FaceAnalysis, FaceEngine } from '../../models/face-types.ts'
import { generateSigningKey, toPublicJwk } from '../../tokens/jwks.ts'
import { signToken } from '../../tokens/sign-token.ts'
import { gateTokenPolicy } from '../../tokens/token-profile.ts'
import { readFile } from 'node:fs/promises'
import { face, testThresholds as policy, TEST_MODEL, unitVector } from '../helpers/faces.ts'

const key = generateSigningKey()
const tokenPolicy = gateTokenPolicy()
const token = () =>
  signToken(
    {
      issuer: tokenPolicy.issuer,
      audience: tokenPolicy.audience,
      subject: 'subject-0001',
      lifetimeSec: 120,
      nowSec: Math.floor(Date.now() / 1000),
    },
    key,
  ).token

/** 1 idle, 2 phone and 5 face frames at 10 fps, as the gate would get them from ffmpeg. */
async function clipFrames(qrText: string): Promise<RawFrame[]> {
  const frames: RawFrame[] = []
  let index = 0
  const facePhoto = await readFile('fixtures/probe/r01.jpg')
  for await (const data of passengerClipFrames({
    qrText,
    facePhoto,
    seed: 9,
    idleSeconds: 0.1,
    qrSeconds: 0.2,
    faceSeconds: 0.5,
  })) {
    frames.push({ data, width: 640, height: 480, channels: 3, index, streamMs: index * 100 })
    index++
  }
  return frames
}

/** The engine answers by call: the first call is the phone frame (nobody beside it), then the capture frames. */
function scriptedEngine(answer: (call: number) => DetectedFace[] | Error): FaceEngine & { calls: number } {
  const engine = {
    model: TEST_MODEL,
    calls: 0,
    async analyze(): Promise<FaceAnalysis> {
      const result = answer(engine.calls++)
      if (result instanceof Error) throw result
      return {
        width: 640,
        height: 480,
        faces: result,
        model: TEST_MODEL,
        timings: { decodeMs: 1, detectMs: 2, embedMs: 3, livenessMs: 4 },
      }
    },
    async close() {},
  }
  return engine
}

async function deps(engine: FaceEngine): Promise<LiveGateDeps> {
  const server = {
    consumeJti: async () => true,
    fetchTemplate: async () => ({ status: 'ok' as const, model: TEST_MODEL, embedding: unitVector(0) }),
  } as unknown as KioskServerClient
  const keys = new KeyCache(async () => ({ keys: [toPublicJwk(key)] }), 15 * 60_000)
  await keys.refresh(Date.now())
  return {
    engine,
    server,
    keys,
    policy,
    tokenPolicy,
    identity: { kioskId: 'kiosk-t', controlPoint: 'CP' },
    now: () => Date.now(),
    // Scripted still faces: the capture rules; the challenge is the state machine's (gate-challenge.test.ts) and the
    // end-to-end dataset test's.
    config: { ...defaultLiveGateConfig(policy), challenge: null },
    clock: 'stream',
  }
}

async function* throwingAfter(frames: RawFrame[], n: number): AsyncGenerator<RawFrame> {
  for (const frame of frames.slice(0, n)) yield frame
  throw new Error('camera unplugged')
}

const verdicts = (decisions: LiveDecision[]) => decisions.map((d) => `${d.record.decision}(${d.record.reason ?? '-'})`)

t.test('frames to a decision: QR read, token verified, three face frames fused, approved', async (t) => {
  const frames = await clipFrames(token())
  const engine = scriptedEngine((call) => (call === 0 ? [] : [face({ embedding: unitVector(0, 0.05) })]))
  const result = await runLiveGate(frames, await deps(engine))
  t.same(verdicts(result.decisions), ['APPROVE(-)'])
  const { record, outcome, faceFrames } = result.decisions[0]!
  t.equal(outcome.framesFused, 3)
  t.equal(faceFrames, 3, 'three capture frames analysed (the scripted engine sees a face in each)')
  t.match(record, {
    kioskId: 'kiosk-t',
    kid: key.kid,
    jtiHash: /^[a-f0-9]{64}$/,
    timings: { detectMs: 9, embedMs: 9, livenessMs: 12 },
  })
  t.ok(record.timings.decodeMs > 0 && record.timings.totalMs > 0)
  t.equal(result.frames, 8)
  // Waiting, QR read, three capture frames, then the decision is on show (no work) for the rest of the clip.
  t.same(
    result.latencies.map((l) => l.work),
    ['qr', 'qr', 'faces', 'faces', 'faces'],
  )
  t.same(
    result.latencies.slice(0, 2).map((l) => l.qrRead),
    [false, true],
  )
})

t.test('the face engine failing during capture refers the passenger', async (t) => {
  const frames = await clipFrames(token())
  const engine = scriptedEngine((call) => (call === 0 ? [] : call === 2 ? new Error('worker crashed') : [face()]))
  t.same(verdicts((await runLiveGate(frames, await deps(engine))).decisions), ['REFER_TO_OFFICER(INTERNAL_ERROR)'])
})

t.test('the source failing mid-capture refers the passenger, then the error goes on', async (t) => {
  const frames = await clipFrames(token())
  const decided: LiveDecision[] = []
  const engine = scriptedEngine((call) => (call === 0 ? [] : [face()]))
  await t.rejects(
    runLiveGate(throwingAfter(frames, 4), await deps(engine), { onDecision: (d) => decided.push(d) }),
    /camera unplugged/,
  )
  t.same(verdicts(decided), ['REFER_TO_OFFICER(INTERNAL_ERROR)'])
})

t.test('a stream that ends mid-capture is decided, not left pending', async (t) => {
  const frames = await clipFrames(token())
  const engine = scriptedEngine((call) => (call === 0 ? [] : [face()]))
  t.same(
    verdicts((await runLiveGate(frames.slice(0, 4), await deps(engine))).decisions),
    ['APPROVE(-)'],
    'one good frame: decided on it at the end',
  )
  t.same(
    verdicts((await runLiveGate(frames.slice(0, 3), await deps(scriptedEngine(() => [])))).decisions),
    ['REFER_TO_OFFICER(NO_FACE)'],
    'no face at all',
  )
})

t.test('a token signed by another key is rejected without face work', async (t) => {
  const other = generateSigningKey()
  const forged = signToken(
    {
      issuer: tokenPolicy.issuer,
      audience: tokenPolicy.audience,
      subject: 'subject-0001',
      lifetimeSec: 120,
      nowSec: Math.floor(Date.now() / 1000),
    },
    { ...other, kid: key.kid },
  ).token
  const engine = scriptedEngine(() => [face()])
  const result = await runLiveGate(await clipFrames(forged), await deps(engine))
  t.same(verdicts(result.decisions), ['REJECT(TOKEN_INVALID)'])
  t.equal(engine.calls, 1, 'only the phone frame was analysed')
})
