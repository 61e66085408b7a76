// The frame session over fake frames: JSON "images" that say what the camera sees ({"qr":"good"} or
// {"faces":[...]}), a fake engine, and a fake pipeline that asks for the face only for a good token.
import t from 'tap'
import type { FaceEngine } from '../../models/face-types.ts'
import type { ClearanceRecord, PassengerFrames } from '../../kiosk-sim/pipeline.ts'
import { FrameSession } from '../../kiosk-sim/serve/frame-session.ts'
import { fakeFaceEngine } from '../helpers/fake-engine.ts'
import { testThresholds } from '../helpers/faces.ts'

const frame = (value: unknown) => new Uint8Array(Buffer.from(JSON.stringify(value)))
const qr = (text: string) => frame({ qr: text, faces: [] })
const faces = (...axes: number[]) => frame({ faces: axes.map((axis) => ({ axis })) })
const empty = frame({ faces: [] })

function record(decision: ClearanceRecord['decision'], reason: string | null, totalMs = 0): ClearanceRecord {
  return {
    eventId: '00000000-0000-4000-8000-000000000000', kioskId: 'k', controlPoint: 'cp', channel: 'contactless', decision, reason, score: null,
    modelVersion: null, kid: null, jtiHash: null, occurredAt: 0,
    timings: { decodeMs: 0, verifyMs: 0, detectMs: 0, embedMs: 0, livenessMs: 0, matchMs: 0, totalMs },
  } as ClearanceRecord
}

function rig(options: { clear?: (frames: PassengerFrames, engine: FaceEngine) => Promise<ClearanceRecord> } = {}) {
  let now = 1_000
  const engine = fakeFaceEngine()
  const decisions: ClearanceRecord[] = []
  const cleared: string[] = []
  // Like clearPassenger: a bad token decides alone; a good one asks the engine for the face and matches axis 0.
  const clear = options.clear ?? (async (frames: PassengerFrames, sessionEngine: FaceEngine) => {
    const text = JSON.parse(Buffer.from(frames.qrFrame).toString()).qr as string
    cleared.push(text)
    if (text !== 'good') return record('REJECT', 'TOKEN_INVALID')
    const started = now
    try {
      const analysis = await sessionEngine.analyze(frames.faceFrame)
      if (analysis.faces.length === 0) return record('REFER_TO_OFFICER', 'NO_FACE', now - started)
      if (analysis.faces.length > 1) return record('REFER_TO_OFFICER', 'MULTIPLE_FACES', now - started)
      return analysis.faces[0]!.embedding[0] === 1 ? record('APPROVE', null, now - started) : record('REJECT', 'FACE_MISMATCH', now - started)
    } catch {
      return record('REFER_TO_OFFICER', 'INTERNAL_ERROR')
    }
  })
  const session = new FrameSession({
    engine,
    policy: testThresholds,
    decodeQr: async (image) => {
      const parsed = JSON.parse(Buffer.from(image).toString()) as { qr?: string }
      return parsed.qr ? { text: parsed.qr } : null
    },
    clear,
    onDecision: (r) => decisions.push(r),
    holdMs: 4_000,
    faceTimeoutMs: 8_000,
    now: () => now,
  })
  return { session, engine, decisions, cleared, advance: (ms: number) => (now += ms) }
}

t.test('genuine passenger: QR, then the face, then APPROVE held on screen, then the next passenger', async (t) => {
  const { session, engine, decisions, advance } = rig()
  t.match(await session.onFrame(empty), { phase: 'WAITING_FOR_QR', decision: null, decisionSeq: 0, skipped: false })
  t.equal(engine.calls, 0, 'no face work before a QR')
  t.match(await session.onFrame(qr('good')), { phase: 'CAPTURING_FACE', decision: null })
  advance(1_500) // the passenger lowers the phone
  t.match(await session.onFrame(empty), { phase: 'CAPTURING_FACE' }, 'no face yet: keep looking')
  const decided = await session.onFrame(faces(0))
  t.same(Object.keys(decided).sort(), ['decision', 'decisionSeq', 'frameMs', 'phase', 'skipped'], 'the screen learns nothing else')
  t.match(decided, { phase: 'DECIDED', decision: 'APPROVE', decisionSeq: 1 }, 'the face frame is answered with the decision')
  t.equal(decisions.length, 1)
  t.equal(decisions[0]!.timings.totalMs, 4, "the passenger's own 1.5 s before showing the face is not gate latency; the face frame's analysis (4 ms) is")
  t.match(await session.onFrame(faces(0)), { phase: 'DECIDED', skipped: true }, 'frames are ignored while the decision shows')
  advance(4_000)
  t.match(session.state(), { phase: 'WAITING_FOR_QR', decision: null, decisionSeq: 1 })
})

t.test('impostor: another face is REJECT', async (t) => {
  const { session } = rig()
  await session.onFrame(qr('good'))
  t.match(await session.onFrame(faces(3)), { phase: 'DECIDED', decision: 'REJECT' })
})

t.test('a bad token decides on the QR frame, without face work', async (t) => {
  const { session, engine, decisions } = rig()
  t.match(await session.onFrame(qr('forged')), { phase: 'DECIDED', decision: 'REJECT', decisionSeq: 1 })
  t.equal(engine.calls, 0)
  t.equal(decisions[0]!.reason, 'TOKEN_INVALID')
})

t.test('no face within the timeout refers to an officer; two faces refer at once', async (t) => {
  const { session, advance } = rig()
  await session.onFrame(qr('good'))
  t.match(await session.onFrame(empty), { phase: 'CAPTURING_FACE' })
  advance(8_000)
  t.match(await session.onFrame(empty), { phase: 'DECIDED', decision: 'REFER_TO_OFFICER' })
  const second = rig()
  await second.session.onFrame(qr('good'))
  t.match(await second.session.onFrame(faces(0, 1)), { phase: 'DECIDED', decision: 'REFER_TO_OFFICER' })
  t.equal(second.decisions[0]!.reason, 'MULTIPLE_FACES')
})

t.test('fails closed: an engine error or a pipeline that throws refers to an officer', async (t) => {
  const { session, decisions } = rig()
  await session.onFrame(qr('good'))
  t.match(await session.onFrame(new Uint8Array([1, 2, 3])), { phase: 'DECIDED', decision: 'REFER_TO_OFFICER' }, 'unreadable face frame')
  t.equal(decisions[0]!.reason, 'INTERNAL_ERROR')
  const broken = rig({ clear: async () => Promise.reject(new Error('boom')) })
  t.match(await broken.session.onFrame(qr('good')), { phase: 'DECIDED', decision: 'REFER_TO_OFFICER' })
  t.equal(broken.decisions.length, 0, 'no record to report, but the screen still refers')
})

t.test('an unusable frame while waiting is not a QR; frames that arrive while busy are skipped', async (t) => {
  const { session, cleared } = rig()
  t.match(await session.onFrame(new Uint8Array([0xff, 0xd8])), { phase: 'WAITING_FOR_QR', skipped: false })
  const [a, b] = await Promise.all([session.onFrame(qr('good')), session.onFrame(qr('good'))])
  t.equal(a.skipped, false)
  t.equal(b.skipped, true, 'one frame at a time')
  t.same(cleared, ['good'], 'one passenger, not two')
})
