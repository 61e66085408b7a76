import { readFile } from 'node:fs/promises'
import type { FaceEngine } from '../../models/face-types.ts'
import type { TokenPolicy } from '../../tokens/token-profile.ts'
import { EventReporter } from '../event-reporter.ts'
import { KeyCache } from '../key-cache.ts'
import type { FaceThresholds } from '../../models/thresholds.ts'
import { clearPassenger } from '../gate/clear-passenger.ts'
import type { ClearanceRecord, KioskIdentity } from '../gate/clearance-record.ts'
import { summariseRun, type RunSummary } from '../run-summary.ts'
import { openOfflineMode } from '../offline/open-offline-mode.ts'
import { syncOutbox } from '../offline/outbox-sync.ts'
import { KioskServerClient } from '../server-client.ts'
import { renderPhoneFrame } from '../sources/phone-frame.ts'
import { fixturePath, type FixturePassenger, type FixtureSet } from './fixture-set.ts'
import { ApiError, OperatorClient } from './operator-client.ts'
import { forgeToken } from './forge-token.ts'

export interface FixtureRunOptions {
  serverUrl: string
  operatorKey: string
  kioskKey: string
  identity: KioskIdentity
  engine: FaceEngine
  policy: FaceThresholds
  tokenPolicy: TokenPolicy
  /** Called once per passenger, as soon as the gate has decided. */
  onDecision?: (record: ClearanceRecord, passenger: FixturePassenger) => void
  /**
   * Offline mode with this outbox file: every decision is written durably first and reaches the server by an
   * outbox sync (at the end of the run), instead of the in-memory event reporter.
   */
  outboxPath?: string
}

export interface FixtureRunResult {
  records: ClearanceRecord[]
  summary: RunSummary
  eventsSent: number
}

/**
 * Plays the fixture passengers through one kiosk against a real server: enrols the residents (or resets the
 * credentials of ones already enrolled), issues each passenger's token, shows it as a QR on a phone in a
 * camera frame, and lets the gate decide. Only the time spent at the gate counts toward clearances per second.
 */
export async function runFixtures(set: FixtureSet, options: FixtureRunOptions): Promise<FixtureRunResult> {
  const operator = new OperatorClient(options.serverUrl, options.operatorKey)
  const credentials = new Map<string, string>()
  for (const resident of set.residents) {
    const photo = await readFile(fixturePath(set, resident.enrolPhoto))
    credentials.set(resident.residentId, await enrolOrReset(operator, { ...resident, photo }))
  }

  const server = new KioskServerClient(options.serverUrl, options.kioskKey)
  const keys = new KeyCache(() => server.fetchJwks(), 15 * 60_000)
  await keys.refresh(Date.now())
  const offline = options.outboxPath ? openOfflineMode(options.outboxPath, options.identity.kioskId, server) : undefined
  const reporter = new EventReporter(server)
  const firstSeq = offline ? offline.outbox.head().seq + 1 : 0
  const tokens = new Map<string, string>()
  const records: ClearanceRecord[] = []
  let gateSeconds = 0

  for (const passenger of set.passengers) {
    const token = await tokenFor(passenger, operator, credentials, tokens)
    tokens.set(passenger.id, token)
    const qrFrame = await renderPhoneFrame(token, { seed: passenger.qrSeed, difficulty: passenger.qrDifficulty })
    const faceFrame = await readFile(fixturePath(set, passenger.faceFrame))
    const offsetMs = passenger.presentAfterSeconds * 1000
    const started = performance.now()
    const record = await clearPassenger(
      { qrFrame, faceFrame },
      {
        engine: options.engine,
        server,
        keys,
        policy: options.policy,
        tokenPolicy: options.tokenPolicy,
        identity: options.identity,
        now: () => Date.now() + offsetMs,
        ...(offline ? { offline } : {}),
      },
    )
    gateSeconds += (performance.now() - started) / 1000
    if (!offline) reporter.add(record)
    records.push(record)
    options.onDecision?.(record, passenger)
  }
  const summary = summariseRun(
    records,
    gateSeconds,
    set.passengers.map((p) => p.expected),
  )
  if (!offline) {
    await reporter.flush()
    return { records, summary, eventsSent: reporter.delivered }
  }
  try {
    const report = await syncOutbox(offline.outbox, server)
    // This run's entries are seq firstSeq.. (earlier runs' entries in the same file were synced before or now).
    return { records, summary, eventsSent: Math.max(0, report.acknowledged.seq - firstSeq + 1) }
  } finally {
    offline.outbox.close()
  }
}

/** Enrols, or, for a resident enrolled earlier, issues a fresh credential: runs can repeat against one server. */
export async function enrolOrReset(
  operator: OperatorClient,
  input: Parameters<OperatorClient['enrol']>[0],
): Promise<string> {
  try {
    return await operator.enrol(input)
  } catch (error) {
    if (error instanceof ApiError && error.code === 'RESIDENT_EXISTS') return operator.resetCredential(input.residentId)
    throw error
  }
}

/** The token a passenger shows: freshly issued, forged from a fresh one, or an earlier passenger's (replay). */
export async function tokenFor(
  passenger: FixturePassenger,
  operator: OperatorClient,
  credentials: Map<string, string>,
  issued: Map<string, string>,
): Promise<string> {
  if (passenger.scenario === 'replay') {
    const earlier = issued.get(passenger.reuseTokenOf!)
    if (!earlier) throw new Error(`passenger ${passenger.id}: ${passenger.reuseTokenOf} has not presented a token yet`)
    return earlier
  }
  const { token } = await operator.issueToken(credentials.get(passenger.tokenOf)!)
  return passenger.scenario === 'forged' ? forgeToken(token) : token
}
