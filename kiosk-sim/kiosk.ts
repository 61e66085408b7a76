// The one place a kiosk is put together: calibration and thresholds, the face engine, the server (remote or
// embedded), the server client, the signing keys, the event reporter and, optionally, offline mode. Every command
// and worker that runs a gate starts from openKiosk().
import { assertCalibrationFor, loadCalibration } from '../models/calibration.ts'
import { startFaceEngine } from '../models/face-engine.ts'
import type { FaceBackend, FaceEngine } from '../models/face-types.ts'
import { thresholdsFrom, type FaceThresholds } from '../models/thresholds.ts'
import { gateTokenPolicy, type TokenPolicy } from '../tokens/token-profile.ts'
import { startEmbeddedServer, type EmbeddedServer } from './embedded-server.ts'
import { EventReporter } from './event-reporter.ts'
import type { GateDeps } from './gate/gate-deps.ts'
import type { KioskIdentity } from './gate/clearance-record.ts'
import { KeyCache } from './key-cache.ts'
import type { OfflineMode } from './offline/offline-mode.ts'
import { openOfflineMode } from './offline/open-offline-mode.ts'
import { KioskServerClient } from './kiosk-server-client.ts'
import { checkServerAccess } from './startup-check.ts'

/** Oldest signing-key set the kiosk verifies with; it refreshes at half this age. */
const KEY_MAX_AGE_MS = 15 * 60_000

/** A running server and this kiosk's key on it (the operator key too, for runs that enrol the fixtures). */
export interface RemoteServer {
  url: string
  kioskKey: string
  operatorKey?: string
}

export interface KioskOptions {
  identity: KioskIdentity
  /** A running server, or 'embedded': one of its own on a temporary SQLite file, stopped by close(). */
  server: RemoteServer | 'embedded'
  /** Calibration file (default models/calibration.json); the thresholds are derived from it. */
  calibrationFile?: string
  /** Thresholds derived already (a worker thread gets its parent's); then no calibration file is read. */
  policy?: FaceThresholds
  /** An engine to share (tests, a bench); otherwise the kiosk starts one and close() stops it. */
  engine?: FaceEngine
  /** Runtime of the engine's networks when it is started here (default: models/face-backend.ts). */
  backend?: FaceBackend
  /** Default: the gate's profile with the default issuer and audience. */
  tokenPolicy?: TokenPolicy
  /** Offline mode with this durable outbox file; close() closes it. */
  outboxPath?: string
  /** The kiosk's clock, epoch ms. Default Date.now. */
  now?: () => number
  /** Server client: request timeout (ms) and a hook with each round trip's milliseconds. */
  requestTimeoutMs?: number
  onRoundTrip?: (ms: number) => void
  /** Events per batch sent to the server. */
  reportBatchSize?: number
  /** Check the remote server and keys before anything starts (default true; load-test workers check once). */
  startupCheck?: boolean
}

export interface Kiosk {
  engine: FaceEngine
  server: KioskServerClient
  /** Where the server is, and its operator key when this kiosk started it or was given it. */
  serverUrl: string
  operatorKey: string | undefined
  keys: KeyCache
  reporter: EventReporter
  policy: FaceThresholds
  offline: OfflineMode | null
  /** What the gate needs to clear a passenger (clearPassenger, GateDriver through gateWork). */
  deps: GateDeps
  /** Closes what the kiosk opened: the outbox, its own engine, its embedded server. It does not flush the reporter. */
  close(): Promise<void>
}

/**
 * Opens a kiosk. A remote server and its keys are checked first (one line per problem, before the calibration is
 * read and the face engine loads); the calibration is checked against the engine's model before any server is
 * started; the signing keys are fetched once before it returns. Whatever fails on the way is closed again.
 */
export async function openKiosk(options: KioskOptions): Promise<Kiosk> {
  if (options.server !== 'embedded' && options.startupCheck !== false)
    await checkServerAccess({
      url: options.server.url,
      kioskKey: options.server.kioskKey,
      kioskId: options.identity.kioskId,
      ...(options.server.operatorKey !== undefined ? { operatorKey: options.server.operatorKey } : {}),
    })
  const policy = options.policy ?? thresholdsFrom(loadCalibration(options.calibrationFile))
  const closers: Array<() => Promise<void> | void> = []
  const close = async () => {
    for (const closer of closers.splice(0).reverse()) await closer()
  }
  try {
    const engine =
      options.engine ??
      (await startFaceEngine({ workers: 1, ...(options.backend ? { backend: options.backend } : {}) }))
    if (!options.engine) closers.push(() => engine.close())
    // A threshold is only valid for the model it was measured on.
    assertCalibrationFor(policy, engine.model)
    const remote = options.server === 'embedded' ? await startEmbedded(options.identity, closers) : options.server
    const server = new KioskServerClient(remote.url, remote.kioskKey, options.requestTimeoutMs, options.onRoundTrip)
    const now = options.now ?? (() => Date.now())
    const keys = new KeyCache(() => server.fetchJwks(), KEY_MAX_AGE_MS)
    await keys.refresh(now())
    const offline = options.outboxPath ? openOfflineMode(options.outboxPath, options.identity.kioskId, server) : null
    if (offline) closers.push(() => offline.outbox.close())
    const deps: GateDeps = {
      engine,
      server,
      keys,
      policy,
      tokenPolicy: options.tokenPolicy ?? gateTokenPolicy(),
      identity: options.identity,
      now,
      ...(offline ? { offline } : {}),
    }
    return {
      engine,
      server,
      serverUrl: remote.url,
      operatorKey: remote.operatorKey,
      keys,
      reporter: new EventReporter(server, options.reportBatchSize),
      policy,
      offline,
      deps,
      close,
    }
  } catch (error) {
    await close()
    throw error
  }
}

async function startEmbedded(
  identity: KioskIdentity,
  closers: Array<() => Promise<void> | void>,
): Promise<RemoteServer> {
  const embedded: EmbeddedServer = await startEmbeddedServer({ kioskIds: [identity.kioskId] })
  closers.push(() => embedded.stop())
  return { url: embedded.url, kioskKey: embedded.kioskKeys[identity.kioskId]!, operatorKey: embedded.operatorKey }
}
