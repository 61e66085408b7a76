import type { FaceBackend } from '../../models/face-types.ts'
import { randomUUID } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import type { Worker } from 'node:worker_threads'
import { startTsWorker } from '../../lib/ts-worker.ts'
import type { TokenPolicy } from '../../tokens/token-profile.ts'
import { startEmbeddedServer, type EmbeddedServer } from '../embedded-server.ts'
import { EventReporter } from '../event-reporter.ts'
import type { FaceThresholds } from '../../models/thresholds.ts'
import type { ClearanceRecord } from '../gate/clearance-record.ts'
import { KioskServerClient, type KioskEvent } from '../kiosk-server-client.ts'
import { fixturePath, loadFixtureSet } from '../scenario/fixture-set.ts'
import { forgeToken } from '../scenario/forge-token.ts'
import { OperatorClient } from '../scenario/operator-client.ts'
import { enrolOrReset } from '../scenario/run-fixtures.ts'
import { qrCardFrame, screenReplayFrame } from './frames.ts'
import { enrolPadResidents } from './pad-residents.ts'
import type { KioskWorkerData, KioskWorkerReply, KioskWorkerRequest } from './kiosk-worker.ts'
import { planPassengers, type Mix, type PlannedPassenger } from './passenger-plan.ts'
import { buildLoadtestReport, type LoadtestReport } from './loadtest-report.ts'

export interface LoadtestOptions {
  /** Running servers (kiosks are spread over them), or null to start an embedded one. */
  server: { urls: string[]; operatorKey: string; kioskKeys: Record<string, string> } | null
  kiosks: number
  /** Where the kiosks' face engines run their networks; default onnxruntime. */
  backend?: FaceBackend
  passengers?: number
  durationSec?: number
  mix: Mix
  contactlessShare: number
  seed: number
  fixturesDir: string
  /** The PAD set (manifest.json) whose printed-photo attacks the spoof scenario shows; null: synthetic renders only. */
  padDataset?: string | null
  /** One line per notice (e.g. a PAD subject that could not be enrolled). */
  log?: (line: string) => void
  policy: FaceThresholds
  tokenPolicy: TokenPolicy
  onProgress?: (progress: { cleared: number; planned: number; perSecond: number; elapsedSec: number }) => void
}

const CONVENTIONAL_KIOSK = 'conventional-gates'
const LOADTEST_TOKEN_LIFETIME_SEC = 600
/** How much later than now an 'expired' passenger's token is presented: beyond any lifetime the gate accepts. */
const EXPIRED_AFTER_MS = 900_000
/**
 * Upper bound of clearances per second the run prepares frames for in --duration mode: 2 kiosks on onnxruntime
 * clear about 30/s on 2 cores (16 was enough for tfjs's 13/s).
 */
const PREPARED_PER_SECOND = 32
/** QR card frames rendered at once during set-up. */
const QR_FRAME_LANES = 4

interface Prepared {
  plan: PlannedPassenger
  qrFrame?: Uint8Array
  faceFrame?: Uint8Array
  presentAfterMs: number
}

export async function runLoadtest(options: LoadtestOptions): Promise<LoadtestReport> {
  const kioskIds = Array.from({ length: options.kiosks }, (_, i) => `load-kiosk-${i + 1}`)
  const embedded: EmbeddedServer | null = options.server
    ? null
    : await startEmbeddedServer({
        kioskIds: [...kioskIds, CONVENTIONAL_KIOSK],
        logLevel: 'error',
        // The population is a handful of fixture residents crossing hundreds of times: lift the per-credential limit.
        // Tokens live 10 minutes (the gate's maximum) rather than 2: every token is issued during set-up, which takes
        // over two minutes for ~2,000 passengers on a busy 2-core machine, and a token that expires before its turn
        // would be cleared cheaply as TOKEN_EXPIRED and inflate the throughput.
        env: { TOKEN_RATE_LIMIT_PER_MIN: '1000000', TOKEN_LIFETIME_SEC: String(LOADTEST_TOKEN_LIFETIME_SEC) },
      })
  const urls = embedded ? [embedded.url] : options.server!.urls
  const operatorKey = embedded?.operatorKey ?? options.server!.operatorKey
  const kioskKeys = embedded?.kioskKeys ?? options.server!.kioskKeys
  const workers: Worker[] = []
  try {
    const setupStarted = performance.now()
    const operator = new OperatorClient(urls[0]!, operatorKey)
    const eventsBefore = await storedEvents(operator)
    const fixtures = await loadFixtureSet(options.fixturesDir)
    const credentials: string[] = []
    const probes: Buffer[] = []
    for (const resident of fixtures.residents) {
      credentials.push(
        await enrolOrReset(operator, {
          ...resident,
          photo: await readFile(fixturePath(fixtures, resident.enrolPhoto)),
        }),
      )
      const genuine = fixtures.passengers.find((p) => p.scenario === 'genuine' && p.tokenOf === resident.residentId)
      if (!genuine) throw new Error(`fixtures have no probe for ${resident.residentId}`)
      probes.push(await readFile(fixturePath(fixtures, genuine.faceFrame)))
    }
    const noFace = await readFile(
      fixturePath(fixtures, fixtures.passengers.find((p) => p.scenario === 'noface')!.faceFrame),
    )
    const spoofs = await Promise.all(probes.map(screenReplayFrame))
    const fixtureResidents = credentials.length
    const padResidents = options.padDataset
      ? await enrolPadResidents(operator, options.padDataset, options.log ?? (() => {}))
      : []
    credentials.push(...padResidents.map((r) => r.credential))

    const total =
      options.passengers ??
      Math.ceil((options.durationSec! * PREPARED_PER_SECOND) / Math.max(options.contactlessShare, 0.05))
    const plan = planPassengers({
      passengers: total,
      mix: options.mix,
      contactlessShare: options.contactlessShare,
      residents: fixtureResidents,
      seed: options.seed,
      padAttacks: padResidents.map((r) => r.attackFrames.length),
    })
    const prepared = await prepareFrames(plan, {
      operator,
      credentials,
      probes,
      noFace,
      attackFrame: (p) =>
        p.attack?.species === 'printed-photo'
          ? padResidents[p.faceOf - fixtureResidents]!.attackFrames[p.attack.frame]!
          : spoofs[p.faceOf]!,
    })

    for (const [i, kioskId] of kioskIds.entries()) {
      const data: KioskWorkerData = {
        serverUrl: urls[i % urls.length]!,
        kioskKey: kioskKeys[kioskId]!,
        kioskId,
        controlPoint: 'LOAD-CP',
        policy: options.policy,
        tokenPolicy: options.tokenPolicy,
        ...(options.backend ? { backend: options.backend } : {}),
      }
      workers.push(startTsWorker(new URL('./kiosk-worker.ts', import.meta.url), { workerData: data }))
    }
    await Promise.all(workers.map((w) => nextReply(w, 'ready')))
    const setupSec = (performance.now() - setupStarted) / 1000

    const conventional = new EventReporter(new KioskServerClient(urls[0]!, kioskKeys[CONVENTIONAL_KIOSK]!), 200)
    const run = await drive(prepared, workers, kioskIds, conventional, options)
    await conventional.flush(8).catch(() => {})
    const drained = await Promise.all(
      workers.map(async (w) => {
        w.postMessage({ type: 'drain' } satisfies KioskWorkerRequest)
        return nextReply(w, 'drained')
      }),
    )
    const eventsAfter = await storedEvents(operator)
    const stats = (await operator.stats()) as { share: { contactlessShare: number | null } }
    return buildLoadtestReport({
      kioskIds,
      records: run.records,
      wallSec: run.wallSec,
      setupSec,
      conventionalSent: run.conventionalSent,
      eventsSent: run.records.length + run.conventionalSent,
      eventsStored: eventsAfter - eventsBefore,
      serverShare: stats.share.contactlessShare,
      configuredShare: options.contactlessShare,
      serverLatency: drained.map((d) => d.serverLatencyMs),
      workerErrors: run.workerErrors,
      serverUrls: urls,
      mix: options.mix,
    })
  } finally {
    await Promise.all(workers.map((w) => w.terminate()))
    await embedded?.stop()
  }
}

async function prepareFrames(
  plan: PlannedPassenger[],
  inputs: {
    operator: OperatorClient
    credentials: string[]
    probes: Buffer[]
    noFace: Buffer
    /** The frame a spoof passenger shows: a PAD attack frame or a synthetic render. */
    attackFrame: (p: PlannedPassenger) => Buffer
  },
): Promise<Prepared[]> {
  const tokens = new Map<number, string>()
  const prepared: Prepared[] = []
  const shownTokens: Array<string | null> = []
  for (const p of plan) {
    if (p.channel === 'conventional') {
      prepared.push({ plan: p, presentAfterMs: 0 })
      shownTokens.push(null)
      continue
    }
    const genuineToken =
      p.replayOf !== null
        ? tokens.get(p.replayOf)!
        : (await inputs.operator.issueToken(inputs.credentials[p.tokenOf]!)).token
    tokens.set(p.seq, genuineToken)
    shownTokens.push(p.scenario === 'forged' ? forgeToken(genuineToken) : genuineToken)
    const faceFrame =
      p.scenario === 'noface'
        ? inputs.noFace
        : p.scenario === 'spoof'
          ? inputs.attackFrame(p)
          : inputs.probes[p.faceOf]!
    prepared.push({ plan: p, faceFrame, presentAfterMs: p.scenario === 'expired' ? EXPIRED_AFTER_MS : 0 })
  }
  // The QR card frames (a JPEG each) are most of the set-up time: render them a few at a time, so that libuv's
  // threads encode while the tokens' round trips are over. Set-up must stay well inside the tokens' lifetime.
  let next = 0
  const lane = async () => {
    for (let i = next++; i < prepared.length; i = next++) {
      const shown = shownTokens[i]
      if (shown) prepared[i]!.qrFrame = await qrCardFrame(shown)
    }
  }
  await Promise.all(Array.from({ length: QR_FRAME_LANES }, lane))
  return prepared
}

async function drive(
  prepared: Prepared[],
  workers: Worker[],
  kioskIds: string[],
  conventional: EventReporter,
  options: LoadtestOptions,
): Promise<{
  records: Array<{ record: ClearanceRecord; plan: PlannedPassenger }>
  wallSec: number
  conventionalSent: number
  workerErrors: number
}> {
  const started = performance.now()
  const deadline = options.durationSec ? started + options.durationSec * 1000 : Infinity
  const records: Array<{ record: ClearanceRecord; plan: PlannedPassenger }> = []
  let next = 0
  let conventionalSent = 0
  let workerErrors = 0
  const contactlessPlanned = prepared.filter((p) => p.plan.channel === 'contactless').length

  /** Conventional passengers between two contactless ones pass through the other gates meanwhile. */
  const takeNextContactless = (): Prepared | null => {
    while (next < prepared.length && performance.now() < deadline) {
      const item = prepared[next++]!
      if (item.plan.channel === 'contactless') return item
      conventional.add(conventionalEvent())
      conventionalSent++
    }
    return null
  }

  const progress = setInterval(() => {
    const elapsedSec = (performance.now() - started) / 1000
    options.onProgress?.({
      cleared: records.length,
      planned: contactlessPlanned,
      perSecond: records.length / elapsedSec,
      elapsedSec,
    })
  }, 500)
  try {
    await Promise.all(
      workers.map(async (worker, k) => {
        for (let item = takeNextContactless(); item; item = takeNextContactless()) {
          worker.postMessage({
            type: 'clear',
            seq: item.plan.seq,
            qrFrame: item.qrFrame!,
            faceFrame: item.faceFrame!,
            presentAfterMs: item.presentAfterMs,
          } satisfies KioskWorkerRequest)
          try {
            const reply = await nextReply(worker, 'cleared')
            records.push({ record: reply.record, plan: item.plan })
          } catch {
            workerErrors++
            throw new Error(`kiosk ${kioskIds[k]} failed`)
          }
        }
      }),
    )
  } finally {
    clearInterval(progress)
  }
  const wallSec = (performance.now() - started) / 1000
  options.onProgress?.({
    cleared: records.length,
    planned: contactlessPlanned,
    perSecond: records.length / wallSec,
    elapsedSec: wallSec,
  })
  return { records, wallSec, conventionalSent, workerErrors }
}

function conventionalEvent(): KioskEvent {
  return {
    eventId: randomUUID(),
    kioskId: CONVENTIONAL_KIOSK,
    controlPoint: 'LOAD-CP',
    channel: 'conventional',
    decision: 'APPROVE',
    reason: null,
    score: null,
    modelVersion: null,
    kid: null,
    jtiHash: null,
    occurredAt: Date.now(),
    timings: { decodeMs: 0, verifyMs: 0, detectMs: 0, embedMs: 0, livenessMs: 0, matchMs: 0, totalMs: 0 },
  }
}

function nextReply<T extends KioskWorkerReply['type']>(
  worker: Worker,
  type: T,
): Promise<Extract<KioskWorkerReply, { type: T }>> {
  return new Promise((resolve, reject) => {
    const onMessage = (reply: KioskWorkerReply) => {
      if (reply.type === 'failed') return done(() => reject(new Error(`kiosk worker failed: ${reply.message}`)))
      if (reply.type === type) done(() => resolve(reply as Extract<KioskWorkerReply, { type: T }>))
    }
    const onError = (error: Error) => done(() => reject(error))
    const done = (settle: () => void) => {
      worker.off('message', onMessage)
      worker.off('error', onError)
      settle()
    }
    worker.on('message', onMessage)
    worker.on('error', onError)
  })
}

async function storedEvents(operator: OperatorClient): Promise<number> {
  return ((await operator.stats()) as { events: number }).events
}
