// One load-test kiosk in its own worker thread, with its own face engine: frames in, decisions out.
import type { FaceBackend } from '../../models/face-types.ts'
import { parentPort, workerData } from 'node:worker_threads'
import { summarise } from '../../lib/percentiles.ts'
import type { TokenPolicy } from '../../tokens/token-profile.ts'
import type { FaceThresholds } from '../../models/thresholds.ts'
import { clearPassenger } from '../gate/clear-passenger.ts'
import type { ClearanceRecord } from '../gate/clearance-record.ts'
import { openKiosk } from '../kiosk.ts'

export interface KioskWorkerData {
  serverUrl: string
  kioskKey: string
  kioskId: string
  controlPoint: string
  policy: FaceThresholds
  tokenPolicy: TokenPolicy
  backend?: FaceBackend
}

export type KioskWorkerRequest =
  { type: 'clear'; seq: number; qrFrame: Uint8Array; faceFrame: Uint8Array; presentAfterMs: number } | { type: 'drain' }

export type KioskWorkerReply =
  | { type: 'ready' }
  | { type: 'cleared'; seq: number; record: ClearanceRecord }
  | {
      type: 'drained'
      delivered: number
      pending: number
      serverLatencyMs: { p50: number; p95: number; p99: number }
      roundTrips: number
    }
  | { type: 'failed'; message: string }

const data = workerData as KioskWorkerData
const port = parentPort!
const roundTrips: number[] = []

try {
  const kiosk = await openKiosk({
    identity: { kioskId: data.kioskId, controlPoint: data.controlPoint },
    server: { url: data.serverUrl, kioskKey: data.kioskKey },
    policy: data.policy,
    tokenPolicy: data.tokenPolicy,
    requestTimeoutMs: 5000,
    onRoundTrip: (ms) => roundTrips.push(ms),
    reportBatchSize: 50,
    // The load-test command checked every server and key once, before the workers started.
    startupCheck: false,
    ...(data.backend ? { backend: data.backend } : {}),
  })
  const { reporter } = kiosk
  port.postMessage({ type: 'ready' } satisfies KioskWorkerReply)

  port.on('message', async (message: KioskWorkerRequest) => {
    if (message.type === 'clear') {
      const offset = message.presentAfterMs
      const record = await clearPassenger(
        { qrFrame: message.qrFrame, faceFrame: message.faceFrame },
        { ...kiosk.deps, now: () => Date.now() + offset, eventClock: () => Date.now() },
      )
      reporter.add(record)
      port.postMessage({ type: 'cleared', seq: message.seq, record } satisfies KioskWorkerReply)
      return
    }
    await reporter.flush(8).catch(() => {})
    await kiosk.close()
    const { p50, p95, p99 } = summarise(roundTrips)
    port.postMessage({
      type: 'drained',
      delivered: reporter.delivered,
      pending: reporter.pending,
      serverLatencyMs: { p50, p95, p99 },
      roundTrips: roundTrips.length,
    } satisfies KioskWorkerReply)
  })
} catch (error) {
  port.postMessage({ type: 'failed', message: (error as Error).message } satisfies KioskWorkerReply)
}
