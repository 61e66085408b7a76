import { readFile } from 'node:fs/promises'
import type { FaceEngine } from '../../models/face-types.ts'
import type { FaceThresholds } from '../../models/thresholds.ts'
import type { TokenPolicy } from '../../tokens/token-profile.ts'
import { clearPassenger } from '../gate/clear-passenger.ts'
import type { ClearanceRecord, KioskIdentity } from '../gate/clearance-record.ts'
import { openKiosk, type Kiosk } from '../kiosk.ts'
import { summariseRun, type RunSummary } from '../run-summary.ts'
import { syncOutbox } from '../offline/outbox-sync.ts'
import { renderPhoneFrame } from '../sources/phone-frame.ts'
import { fixturePath, type FixturePassenger, type FixtureSet } from './fixture-set.ts'
import { ApiError, OperatorClient } from './operator-client.ts'
import { forgeToken } from './forge-token.ts'

/**
 * The fixture kiosk decides on one still photo per passenger: a still image cannot turn a head or blink, so it runs
 * the passive check (anti-spoof and liveness scores) only, never the liveness challenge of the camera gates.
 */
export const PASSIVE_ONLY_NOTE = 'liveness: passive check only (still images cannot answer a challenge)'

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

/** Opens a kiosk on a running server with a shared engine, plays the fixtures through it, and closes it. */
export async function runFixtures(set: FixtureSet, options: FixtureRunOptions): Promise<FixtureRunResult> {
  const kiosk = await openKiosk({
    identity: options.identity,
    server: { url: options.serverUrl, kioskKey: options.kioskKey, operatorKey: options.operatorKey },
    engine: options.engine,
    policy: options.policy,
    tokenPolicy: options.tokenPolicy,
    ...(options.outboxPath ? { outboxPath: options.outboxPath } : {}),
  })
  try {
    return await playFixtures(set, kiosk, options.onDecision)
  } finally {
    await kiosk.close()
  }
}

/**
 * Plays the fixture passengers through an open kiosk against its real server: enrols the residents (or resets the
 * credentials of ones already enrolled) with the kiosk's operator key, issues each passenger's token, shows it as a
 * QR on a phone in a camera frame, and lets the gate decide. Only the time spent at the gate counts toward
 * clearances per second. With offline mode the run ends with an outbox sync, otherwise with a flush of the reporter.
 */
export async function playFixtures(
  set: FixtureSet,
  kiosk: Kiosk,
  onDecision?: FixtureRunOptions['onDecision'],
): Promise<FixtureRunResult> {
  if (!kiosk.operatorKey) throw new Error('a fixture run enrols its residents: it needs the operator key')
  const operator = new OperatorClient(kiosk.serverUrl, kiosk.operatorKey)
  const credentials = new Map<string, string>()
  for (const resident of set.residents) {
    const photo = await readFile(fixturePath(set, resident.enrolPhoto))
    credentials.set(resident.residentId, await enrolOrReset(operator, { ...resident, photo }))
  }

  const { offline, reporter } = kiosk
  const firstSeq = offline ? offline.outbox.head().seq + 1 : 0
  const deliveredBefore = reporter.delivered
  const tokens = new Map<string, string>()
  const records: ClearanceRecord[] = []
  let gateSeconds = 0

  for (const passenger of set.passengers) {
    const token = await tokenFor(passenger, operator, credentials, tokens)
    tokens.set(passenger.id, token)
    const qrFrame = await renderPhoneFrame(token, { seed: passenger.qrSeed, difficulty: passenger.qrDifficulty })
    const faceFrame = await readFile(fixturePath(set, passenger.faceFrame))
    // The passenger presents the token this long after it was issued: the gate's clock runs ahead by as much.
    const offsetMs = passenger.presentAfterSeconds * 1000
    const now = kiosk.deps.now
    const started = performance.now()
    const record = await clearPassenger(
      { qrFrame, faceFrame },
      { ...kiosk.deps, now: () => now() + offsetMs, eventClock: now },
    )
    gateSeconds += (performance.now() - started) / 1000
    if (!offline) reporter.add(record)
    records.push(record)
    onDecision?.(record, passenger)
  }
  const summary = summariseRun(
    records,
    gateSeconds,
    set.passengers.map((p) => p.expected),
  )
  if (!offline) {
    await reporter.flush()
    return { records, summary, eventsSent: reporter.delivered - deliveredBefore }
  }
  const report = await syncOutbox(offline.outbox, kiosk.server)
  // This run's entries are seq firstSeq.. (earlier runs' entries in the same file were synced before or now).
  return { records, summary, eventsSent: Math.max(0, report.acknowledged.seq - firstSeq + 1) }
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
