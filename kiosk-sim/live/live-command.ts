// `kiosk-sim run --camera DEV | --video FILE[,FILE]`: the live gate on a camera or video files, through ffmpeg.
// With --fixtures DIR, --video names a directory: the fixture passengers' clips are made there (tokens issued
// by the server just before each clip plays) and each decision is checked against the truth file.
import { appendFileSync } from 'node:fs'
import { mkdir } from 'node:fs/promises'
import path from 'node:path'
import type { Command } from 'commander'
import { ioOf, usageError } from '../../lib/cli/run-program.ts'
import { writeJson } from '../../lib/write-output.ts'
import type { FaceBackend } from '../../models/face-types.ts'
import type { Decision } from '../../contract/decision-reasons.ts'
import { openDecisionLog } from '../decision-log.ts'
import { openKiosk } from '../kiosk.ts'
import { kioskOptions, kioskServer } from '../kiosk-options.ts'
import { recordRefused } from '../refused-events.ts'
import type { RunValues } from '../run-values.ts'
import { summariseRun, formatSummary } from '../run-summary.ts'
import { fixtureClips } from '../scenario/fixture-clips.ts'
import { loadFixturesOrUsage } from '../scenario/fixtures-command.ts'
import { OperatorClient } from '../scenario/operator-client.ts'
import { checkFrameSource, ffmpegFrames, type FfmpegInput, type FrameStream } from '../sources/ffmpeg-frames.ts'
import { FrameSourceError } from '../sources/frame-source-errors.ts'
import { latestOnly } from '../sources/latest-frame.ts'
import { writeVideo } from '../sources/passenger-clip.ts'
import { defaultLiveGateConfig, type LiveGateConfig } from '../gate/gate-state-machine.ts'
import { formatFrameLatency, frameLatencySummary } from './frame-latency.ts'
import type { FrameLatency, LiveDecision } from '../gate/gate-driver.ts'
import { PASSIVE_ONLY_NOTE } from '../scenario/run-fixtures.ts'
import { runLiveGate, type LiveGateDeps } from './live-gate.ts'

/** Runs the live gate; resolves with the exit code (1 when a clip's decision differs or events were refused). */
export async function liveRun(values: RunValues, command: Command, backend?: FaceBackend): Promise<number> {
  const io = ioOf(command)
  if (values.camera && values.video) usageError(command, 'give --camera or --video, not both')
  if (values.outbox) usageError(command, '--outbox goes with --fixtures alone (offline mode is not live yet)')
  const server = kioskServer(values, command, { operatorKey: Boolean(values.fixtures) })
  const frame = {
    width: values.width,
    height: values.height,
    fps: values.fps,
    pixelFormat: values.gray ? ('gray' as const) : ('rgb24' as const),
  }
  try {
    // A missing ffmpeg, camera or file is reported at once, before the face models load.
    const inputs: FfmpegInput[] = values.camera
      ? [{ kind: 'camera', device: values.camera }]
      : values.fixtures
        ? []
        : values.video!.split(',').map((file) => ({ kind: 'file', path: file }))
    for (const input of inputs) await checkFrameSource({ input, ffmpegPath: values.ffmpeg })
    if (values.fixtures)
      await checkFrameSource({ input: { kind: 'file', path: values.fixtures }, ffmpegPath: values.ffmpeg })
  } catch (error) {
    if (!(error instanceof FrameSourceError)) throw error
    io.err(`kiosk-sim: ${error.code}: ${error.message}\n`)
    return 3
  }
  const set = values.fixtures ? await loadFixturesOrUsage(values.fixtures, command) : null
  const gate: Partial<LiveGateConfig> = {
    framesToFuse: values.framesToFuse,
    faceWindowMs: values.faceWindow * 1000,
    holdMs: values.hold * 1000,
  }
  // Fixture clips are still photos: they cannot turn a head or blink, so they get the passive check only.
  if (values.passiveOnly || set) {
    gate.challenge = null
    io.out(`${PASSIVE_ONLY_NOTE}\n`)
  }
  const kiosk = await openKiosk({ ...kioskOptions(values), server, ...(backend ? { backend } : {}) })
  const { serverUrl, reporter: events } = kiosk
  const kioskId = kiosk.deps.identity.kioskId
  try {
    const deps: LiveGateDeps = {
      ...kiosk.deps,
      config: { ...defaultLiveGateConfig(kiosk.policy), ...gate },
      clock: values.camera ? 'wall' : 'stream',
    }
    await mkdir(path.dirname(path.resolve(values.frameLog)), { recursive: true })
    const log = openDecisionLog(values.log, {
      command: 'run',
      source: values.camera ?? values.video,
      fixtures: values.fixtures,
      kioskId,
    })
    const decisions: LiveDecision[] = []
    const expected: Decision[] = []
    const latencies: FrameLatency[] = []
    const logFrame = (source: string) => (latency: FrameLatency) => {
      latencies.push(latency)
      appendFileSync(values.frameLog, `${JSON.stringify({ source, ...latency })}\n`)
    }
    const logDecision = (source: string, want?: Decision) => (decision: LiveDecision) => {
      decisions.push(decision)
      if (want) expected.push(want)
      events.add(decision.record)
      // Send it now rather than at the end of a camera session that may last hours; a failure stays queued.
      void events.flush(1).catch(() => undefined)
      const { record, outcome } = decision
      log.write({
        source,
        ...record,
        framesFused: outcome.framesFused,
        // The liveness challenge asked, its result and why it failed: the log's, not the clearance event's.
        challenge: outcome.challenge,
        faceFrames: decision.faceFrames,
        gateMs: outcome.decidedAt - outcome.qrAt,
      })
      const challenge = outcome.challenge
        ? `  challenge ${outcome.challenge.kind} ${outcome.challenge.passed ? 'passed' : outcome.challenge.failure}`
        : ''
      io.out(`${formatDecision(record, outcome.framesFused, want)}${challenge}  ${source}\n`)
    }
    const started = performance.now()
    let disagreed = 0

    if (values.camera) {
      io.out(
        `kiosk ${kioskId}: camera ${values.camera} ${frame.width}x${frame.height} @${frame.fps} fps -> ${serverUrl} ` +
          '(Ctrl-C to stop)\n',
      )
      let dropped = 0
      const stream = ffmpegFrames({
        input: { kind: 'camera', device: values.camera },
        ...frame,
        ffmpegPath: values.ffmpeg,
      })
      const stop = () => void stream.stop()
      process.once('SIGINT', stop)
      try {
        // A camera does not wait: the gate works on the newest frame and skips the ones it had no time for.
        await runLiveGate(
          latestOnly(stream, () => dropped++),
          deps,
          { onFrame: logFrame(values.camera), onDecision: logDecision(values.camera) },
        )
      } finally {
        process.off('SIGINT', stop)
        await stream.stop()
      }
      io.out(`frames skipped while the gate was busy: ${dropped}\n`)
    } else if (set) {
      await mkdir(values.video!, { recursive: true })
      const clips = fixtureClips(set, new OperatorClient(serverUrl, kiosk.operatorKey!), {
        tailgate: true,
        swap: true,
        clip: { width: frame.width, height: frame.height, fps: frame.fps },
      })
      for await (const clip of clips) {
        const file = path.join(values.video!, `${clip.name}.mp4`)
        await writeVideo(clip.spec, file, { ffmpegPath: values.ffmpeg })
        const before = decisions.length
        await playFile(file, deps, frame, values, {
          onFrame: logFrame(file),
          onDecision: logDecision(file, clip.expected),
        })
        const got = decisions.slice(before)
        if (got.length !== 1 || !sameDecision(got[0]!.record, clip.expected)) disagreed++
      }
    } else {
      for (const file of values.video!.split(',')) {
        await playFile(file, deps, frame, values, { onFrame: logFrame(file), onDecision: logDecision(file) })
      }
    }
    await events.flush()
    const wallSeconds = (performance.now() - started) / 1000
    const records = decisions.map((d) => d.record)
    const summary = summariseRun(
      records,
      wallSeconds,
      expected.length === records.length && expected.length > 0 ? expected : undefined,
    )
    const frameMs = frameLatencySummary(latencies)
    io.out(
      `\n${formatSummary(summary)}\nevents delivered ${events.delivered}/${records.length}\n` +
        `${formatFrameLatency(frameMs)}\ndecision log ${log.file} (run ${log.runId})\n`,
    )
    const refused = recordRefused(events.refused, records.length, log)
    if (refused) io.err(`kiosk-sim: ${refused}\n`)
    if (values.json) {
      await writeJson(values.json, { ...summary, frameMs })
    }
    return disagreed > 0 || (summary.truth?.disagreed ?? 0) > 0 || refused ? 1 : 0
  } catch (error) {
    if (error instanceof FrameSourceError) {
      // A passenger referred because the source failed is still reported.
      await events.flush().catch(() => undefined)
      io.err(`kiosk-sim: ${error.code}: ${error.message}\n`)
      return 3
    }
    throw error
  } finally {
    await kiosk.close()
  }
}

async function playFile(
  file: string,
  deps: LiveGateDeps,
  frame: { width: number; height: number; fps: number; pixelFormat: 'rgb24' | 'gray' },
  values: { ffmpeg?: string; realtime?: boolean },
  hooks: Parameters<typeof runLiveGate>[2],
): Promise<void> {
  const input: FfmpegInput = { kind: 'file', path: file }
  const stream: FrameStream = ffmpegFrames({ input, ...frame, realtime: values.realtime, ffmpegPath: values.ffmpeg })
  try {
    await runLiveGate(stream, deps, hooks)
  } finally {
    await stream.stop()
  }
}

function formatDecision(record: LiveDecision['record'], framesFused: number, want?: Decision): string {
  const verdict = record.reason ? `${record.decision}(${record.reason})` : record.decision
  const wanted = want ? (want.reason ? `${want.decision}(${want.reason})` : want.decision) : null
  const mark = wanted === null ? '    ' : wanted === verdict ? 'ok  ' : 'DIFF'
  const score = record.score?.toFixed(3) ?? '  -  '
  const expected = mark === 'DIFF' ? `  expected ${wanted}` : ''
  const ms = record.timings.totalMs.toFixed(0)
  return `${mark} ${verdict.padEnd(34)} score ${score}  ${framesFused} frames  ${ms} ms${expected}`
}

function sameDecision(a: { decision: string; reason: string | null }, b: Decision): boolean {
  return a.decision === b.decision && a.reason === b.reason
}
