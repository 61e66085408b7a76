// The liveness challenge end to end on recorded frames (../shared/pad, NUAA; beside the repository in CI, not on a
// user's machine: `npm run test:datasets`). The real server (its own process), the real face engine, the live gate:
// subject 0004 enrolled from 3 bona fide frames, a token QR shown, then the frames of one recording at 5 fps.
// A printed photo, moved by hand, cannot answer the turn it is asked for and is referred; its twin, a recording of
// the person turning their head, is approved. The passive check (classifier, anti-spoof, liveness scores) is
// switched off in both, so that the challenge alone decides.
import { access, readFile } from 'node:fs/promises'
import path from 'node:path'
import sharp from 'sharp'
import t from 'tap'
import { loadCalibration } from '../models/calibration.ts'
import { startFaceEngine } from '../models/face-engine.ts'
import { thresholdsFrom } from '../models/thresholds.ts'
import { gateTokenPolicy } from '../tokens/token-profile.ts'
import { startEmbeddedServer } from '../kiosk-sim/embedded-server.ts'
import { KeyCache } from '../kiosk-sim/key-cache.ts'
import { defaultLiveGateConfig } from '../kiosk-sim/gate/gate-state-machine.ts'
import { runLiveGate, type LiveGateDeps } from '../kiosk-sim/live/live-gate.ts'
import { OperatorClient } from '../kiosk-sim/scenario/operator-client.ts'
import { KioskServerClient } from '../kiosk-sim/kiosk-server-client.ts'
import type { RawFrame } from '../kiosk-sim/sources/ffmpeg-frames.ts'
import { renderPhoneFrame } from '../kiosk-sim/sources/phone-frame.ts'

const PAD = path.resolve(import.meta.dirname, '../../shared/pad/nuaa')
const FPS = 5
const WIDTH = 640
const HEIGHT = 480

/** The frames of one NUAA recording, in recording order, from the `from`-th on. */
async function recording(kind: 'bona-fide' | 'attack', name: string, from = 0, count = Infinity): Promise<string[]> {
  const manifest = JSON.parse(await readFile(path.join(PAD, '../manifest.json'), 'utf8')) as Array<{ file: string }>
  const frameNo = (file: string) => Number(file.slice(file.lastIndexOf('_') + 1, -4))
  return manifest
    .map((e) => e.file)
    .filter((file) => file.startsWith(`nuaa/${kind}/`) && path.basename(file).startsWith(`${name}_`))
    .sort((a, b) => frameNo(a) - frameNo(b))
    .slice(from, from + count)
    .map((file) => path.join(PAD, '..', file))
}

async function raw(image: Buffer): Promise<Omit<RawFrame, 'index' | 'streamMs'>> {
  const { data, info } = await sharp(image)
    .resize(WIDTH, HEIGHT, { fit: 'fill' })
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true })
  return { data, width: info.width, height: info.height, channels: 3 }
}

/** Two frames of the phone's QR, then the face frames, timed at 5 fps. */
async function clip(token: string, faceFiles: string[]): Promise<RawFrame[]> {
  const phone = await raw(await renderPhoneFrame(token, { seed: 1, difficulty: 'clean' }))
  const faces = await Promise.all(faceFiles.map(async (file) => raw(await readFile(file))))
  return [phone, phone, ...faces].map((frame, index) => ({ ...frame, index, streamMs: (index * 1000) / FPS }))
}

t.test('a moved printed photo is referred by the challenge alone; its twin, a real head turn, approved', async (t) => {
  try {
    await access(PAD)
  } catch {
    t.fail(`${PAD} is missing: this test needs ../shared/pad beside the repository (CI has it)`)
    return
  }
  const server = await startEmbeddedServer({ kioskIds: ['kiosk-pad'], logLevel: 'error' })
  t.teardown(() => server.stop())
  const engine = await startFaceEngine({ workers: 1 })
  t.teardown(() => engine.close())

  // Enrolment: 3 bona fide frames of subject 0004 from another recording than the turning one.
  const enrolFrames = await recording('bona-fide', '0004_01_00_01', 0, 3)
  const photos = await Promise.all(enrolFrames.map(async (file) => (await readFile(file)).toString('base64')))
  const enrolled = await fetch(new URL('/v1/residents', server.url), {
    method: 'POST',
    headers: { authorization: `Bearer ${server.operatorKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ residentId: 'N000004(1)', name: 'Nuaa Four', dateOfBirth: '1990-01-01', photos }),
  })
  const body = await enrolled.text()
  t.equal(enrolled.status, 201, `enrolled from 3 frames: ${body}`)
  const { credential } = JSON.parse(body) as { credential: string }
  const operator = new OperatorClient(server.url, server.operatorKey)

  const calibrated = thresholdsFrom(loadCalibration())
  // The passive check off: only the challenge can tell the photo from the person.
  const { padMin: _classifier, ...withoutClassifier } = calibrated
  const policy = { ...withoutClassifier, antispoofMin: 0, livenessMin: 0 }
  const client = new KioskServerClient(server.url, server.kioskKeys['kiosk-pad']!)
  const keys = new KeyCache(() => client.fetchJwks(), 15 * 60_000)
  await keys.refresh(Date.now())
  const deps = (random: number): LiveGateDeps => ({
    engine,
    server: client,
    keys,
    policy,
    tokenPolicy: gateTokenPolicy(),
    identity: { kioskId: 'kiosk-pad', controlPoint: 'TEST-CP' },
    now: () => Date.now(),
    config: defaultLiveGateConfig(policy),
    clock: 'stream',
    // 0: TURN_LEFT (the traveller's left).
    random: () => random,
  })
  const play = async (faceFiles: string[], random = 0) => {
    const { token } = await operator.issueToken(credential)
    const result = await runLiveGate(await clip(token, faceFiles), deps(random))
    return result.decisions.map((d) => ({
      decision: `${d.record.decision}(${d.record.reason ?? '-'})`,
      challenge: d.outcome.challenge,
      score: d.record.score,
    }))
  }

  // The printed photo of 0004, held and moved in front of the camera: two recordings, 46 frames (9 s at 5 fps).
  const attack = [...(await recording('attack', '0004_01_00_01')), ...(await recording('attack', '0004_01_08_03'))]
  const photo = await play(attack)
  t.equal(photo.length, 1, 'one decision')
  t.equal(photo[0]!.decision, 'REFER_TO_OFFICER(LIVENESS_CHALLENGE_FAILED)', JSON.stringify(photo))
  t.match(photo[0]!.challenge, { kind: 'TURN_LEFT', passed: false }, 'the photo was asked to turn, and did not')
  t.ok(photo[0]!.score! >= calibrated.matchThreshold, 'the photo matched the template: only the challenge stops it')
  // Asked the other way, or to blink (the photo was bent too), it cannot answer either.
  for (const [random, kind] of [
    [0.5, 'TURN_RIGHT'],
    [0.9, 'BLINK'],
  ] as const) {
    const other = await play(attack, random)
    t.equal(other[0]?.decision, 'REFER_TO_OFFICER(LIVENESS_CHALLENGE_FAILED)', `${kind}: ${JSON.stringify(other)}`)
    t.match(other[0]?.challenge, { kind, passed: false })
  }

  // The person, turning their head to their left (frames 58 on: 3 to match, then the rest position, then the turn).
  const person = await play(await recording('bona-fide', '0004_01_06_03', 58, 20))
  t.equal(person.length, 1, 'one decision')
  t.equal(person[0]!.decision, 'APPROVE(-)', JSON.stringify(person))
  t.match(person[0]!.challenge, { kind: 'TURN_LEFT', passed: true, failure: null })
})
