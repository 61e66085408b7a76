// The live gate end to end: the real server (its own process), fixture residents enrolled, passenger clips encoded
// to MP4 and read back through real ffmpeg, the real face engine, the state machine deciding, the liveness
// challenge answered by a head turn rendered from the photo's mesh (a still photo cannot answer it).
import { rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import t from 'tap'
import { loadCalibration } from '../../models/calibration.ts'
import { startFaceEngine } from '../../models/face-engine.ts'
import { thresholdsFrom } from '../../models/thresholds.ts'
import { gateTokenPolicy } from '../../tokens/token-profile.ts'
import { startEmbeddedServer } from '../../kiosk-sim/embedded-server.ts'
import { EventReporter } from '../../kiosk-sim/event-reporter.ts'
import { KeyCache } from '../../kiosk-sim/key-cache.ts'
import { defaultLiveGateConfig, type GateOutcome } from '../../kiosk-sim/gate/gate-state-machine.ts'
import { runLiveGate, type LiveGateDeps } from '../../kiosk-sim/live/live-gate.ts'
import { fixtureClips, type FixtureClip } from '../../kiosk-sim/scenario/fixture-clips.ts'
import { loadFixtureSet } from '../../kiosk-sim/scenario/fixture-set.ts'
import { OperatorClient } from '../../kiosk-sim/scenario/operator-client.ts'
import { KioskServerClient } from '../../kiosk-sim/kiosk-server-client.ts'
import { ffmpegFrames } from '../../kiosk-sim/sources/ffmpeg-frames.ts'
import { loadFaceMeshes } from '../../kiosk-sim/sources/head-turn.ts'
import { writeVideo } from '../../kiosk-sim/sources/passenger-clip.ts'

t.test(
  'genuine clips turning their head approved; still photo, second person, swapped face referred; impostor rejected',
  async (t) => {
    const dir = path.join(tmpdir(), `live-e2e-${process.pid}`)
    t.teardown(() => rm(dir, { recursive: true, force: true }))
    const server = await startEmbeddedServer({ kioskIds: ['kiosk-live'], logLevel: 'error' })
    t.teardown(() => server.stop())
    const engine = await startFaceEngine({ workers: 1 })
    t.teardown(() => engine.close())

    const policy = thresholdsFrom(loadCalibration())
    const client = new KioskServerClient(server.url, server.kioskKeys['kiosk-live']!)
    const keys = new KeyCache(() => client.fetchJwks(), 15 * 60_000)
    await keys.refresh(Date.now())
    const reporter = new EventReporter(client)
    const deps: LiveGateDeps = {
      engine,
      server: client,
      keys,
      policy,
      tokenPolicy: gateTokenPolicy(),
      identity: { kioskId: 'kiosk-live', controlPoint: 'TEST-CP' },
      now: () => Date.now(),
      config: defaultLiveGateConfig(policy),
      clock: 'stream',
      // Every passenger is asked to turn their head to the left (the clips' faces turn that way).
      random: () => 0,
    }
    const set = await loadFixtureSet('fixtures')
    const genuine = set.passengers.find((p) => p.scenario === 'genuine')!
    const impostor = set.passengers.find((p) => p.scenario === 'impostor')!
    // Low rate and short steps keep the run short: 2 idle, 5 phone and 12 face frames per clip. The face turns on
    // face frame 6 (3 frames fused for the match, 3 at rest for the challenge's baseline): 15 degrees, then 30 held,
    // rendered from the photo's face mesh (kiosk-sim/sources/head-turn.ts).
    const clips = fixtureClips(set, new OperatorClient(server.url, server.operatorKey), {
      only: [genuine.id, impostor.id],
      tailgate: true,
      swap: true,
      clip: { fps: 5, idleSeconds: 0.4, qrSeconds: 1, faceSeconds: 2.4 },
      turn: { meshes: await loadFaceMeshes(), yawDeg: 30, from: 6 },
    })

    const seen: Array<{
      clip: FixtureClip
      decisions: string[]
      challenges: Array<GateOutcome['challenge']>
      frames: number
    }> = []
    const play = async (clip: FixtureClip) => {
      const file = path.join(dir, `${clip.name}.mp4`)
      await writeVideo(clip.spec, file)
      const result = await runLiveGate(
        ffmpegFrames({ input: { kind: 'file', path: file }, width: 640, height: 480, fps: 5 }),
        deps,
      )
      result.decisions.forEach((d) => reporter.add(d.record))
      return {
        clip,
        decisions: result.decisions.map((d) => `${d.record.decision}(${d.record.reason ?? '-'})`),
        challenges: result.decisions.map((d) => d.outcome.challenge),
        frames: result.frames,
      }
    }
    for await (const clip of clips) seen.push(await play(clip))
    t.same(
      seen.map((s) => s.clip.name),
      [genuine.id, impostor.id, `${genuine.id}-tailgate`, `${genuine.id}-holder`, `${genuine.id}-swap`],
    )
    for (const s of seen) {
      t.equal(s.frames, s.clip.spec.holderPhoto ? 15 : 19, `${s.clip.name}: every frame read`)
      t.same(
        s.decisions,
        [`${s.clip.expected.decision}(${s.clip.expected.reason ?? '-'})`],
        `${s.clip.name} ${s.clip.passenger.scenario} ${JSON.stringify(s.challenges)}`,
      )
      // An approval only after the turn asked for; a refusal decided before any challenge.
      const approved = s.clip.expected.decision === 'APPROVE'
      t.match(s.challenges, [approved ? { kind: 'TURN_LEFT', passed: true } : null], `${s.clip.name}: challenge`)
    }
    t.same(
      seen.map((s) => s.clip.expected.reason ?? s.clip.expected.decision),
      ['APPROVE', 'FACE_MISMATCH', 'MULTIPLE_FACES', 'APPROVE', 'FACE_CHANGED'],
      'the truth the clips are checked against: each refusal has an approved twin',
    )

    // The genuine passenger's clip without the turn: the still photo matches, and cannot answer the challenge.
    for await (const clip of fixtureClips(set, new OperatorClient(server.url, server.operatorKey), {
      only: [genuine.id],
      clip: { fps: 5, idleSeconds: 0.4, qrSeconds: 1, faceSeconds: 2.4 },
    })) {
      const still = await play(clip)
      t.same(still.decisions, ['REFER_TO_OFFICER(LIVENESS_CHALLENGE_FAILED)'], 'a still photo of the genuine passenger')
      t.match(still.challenges, [{ kind: 'TURN_LEFT', passed: false }])
    }

    await reporter.flush()
    const stats = await fetch(new URL('/v1/stats', server.url), {
      headers: { authorization: `Bearer ${server.operatorKey}` },
    }).then((r) => r.json())
    t.equal(stats.events, 6, 'every live decision reached the server as an event')
  },
)
