import { randomUUID } from 'node:crypto'
import { jtiHash, type OfflineJtiClaim } from '../lib/outbox-chain.ts'
import type { FaceAnalysis, FaceEngine } from '../models/face-types.ts'
import type { TokenPolicy } from '../tokens/token-profile.ts'
import { verifyToken } from '../tokens/verify-token.ts'
import { decide, faceToMatch, matchScore, type ClearanceEvidence, type Stage, type Verdict } from './decide.ts'
import type { Decision } from '../contract/decision-reasons.ts'
import type { KeyCache } from './key-cache.ts'
import type { KioskPolicy } from './kiosk-policy.ts'
import type { OfflineMode } from './offline/offline-mode.ts'
import { decodeQr } from './qr.ts'
import { ServerUnavailableError, type KioskEvent, type KioskServerClient } from './server-client.ts'

export interface PassengerFrames {
  /** The camera frame in which the passenger shows the phone. */
  qrFrame: Uint8Array
  /** The camera frame of the passenger's face. */
  faceFrame: Uint8Array
}

export interface KioskIdentity {
  kioskId: string
  controlPoint: string
}

export interface PipelineDeps {
  engine: FaceEngine
  server: KioskServerClient
  keys: KeyCache
  policy: KioskPolicy
  tokenPolicy: TokenPolicy
  identity: KioskIdentity
  /** Epoch milliseconds the rules read (token times, key and offline freshness); a simulation can move it. */
  now: () => number
  /**
   * The wall clock a clearance event is stamped with (default: now). A simulation that moves `now` (a passenger
   * shown ten minutes later) keeps Date.now here: the server bounds occurredAt by its own clock.
   */
  eventClock?: () => number
  /**
   * Offline mode: with it, every decision is appended to the durable outbox before it is returned, and the
   * kiosk may admit from its caches while the server is unreachable. Without it, no server means a referral.
   */
  offline?: OfflineMode
}

export type ClearanceRecord = KioskEvent & Decision

type Timings = KioskEvent['timings']

interface StageContext {
  kid: string | null
  jtiHash: string | null
  score: number | null
  embedding: Float32Array | null
  /** Face work started while the ledger and template requests are on the wire. */
  faceAnalysis: Promise<FaceAnalysis> | null
  /** A token id this kiosk consumed offline: it goes into the outbox with the decision. */
  offlineClaim: OfflineJtiClaim | null
}

/** Where one clearance gets its inputs. */
export interface ClearanceInputs {
  /** The QR text, or null when no QR can be read. */
  readQr(): Promise<string | null>
  /** The passenger's face analysis; started during admission, so that it overlaps the server round trips. */
  analyseFaces(): Promise<FaceAnalysis>
}

/**
 * One passenger, frame to decision. Stages run only when decide() asks for them, so a bad token costs
 * no face work. Whatever throws becomes REFER_TO_OFFICER(INTERNAL_ERROR): the gate fails closed.
 */
export async function clearPassenger(frames: PassengerFrames, deps: PipelineDeps): Promise<ClearanceRecord> {
  const inputs: ClearanceInputs = {
    readQr: async () => (await decodeQr(frames.qrFrame))?.text ?? null,
    analyseFaces: () => deps.engine.analyze(frames.faceFrame),
  }
  const started = performance.now()
  const run = await runStages(inputs, deps)
  const decision: Decision =
    run.verdict.decision === 'PENDING' ? { decision: 'REFER_TO_OFFICER', reason: 'INTERNAL_ERROR' } : run.verdict
  run.timings.totalMs = round(performance.now() - started)
  const record = clearanceRecord(decision, run.context, run.timings, deps)
  return deps.offline ? recordDurably(record, run.context.offlineClaim, deps.offline) : record
}

/** What the gate learned from a QR text before it looks at the face. */
export interface TokenVerification {
  /** A decision (the token or the admission failed), or PENDING with `needs: 'faces'`. */
  verdict: Verdict
  /** The evidence so far, for decide() once faces are known. */
  evidence: ClearanceEvidence
  /** The enrolled template, when admission fetched it. */
  template: Float32Array | null
  kid: string | null
  jtiHash: string | null
  verifyMs: number
}

/**
 * The token stages alone (keys, signature and claims, replay ledger and template), for a live gate that captures
 * the face over several frames afterwards. Errors become REFER_TO_OFFICER(INTERNAL_ERROR), as in clearPassenger.
 */
export async function verifyPresentedToken(qrText: string, deps: PipelineDeps): Promise<TokenVerification> {
  const inputs: ClearanceInputs = {
    readQr: async () => qrText,
    analyseFaces: () => Promise.reject(new Error('a live gate analyses faces frame by frame')),
  }
  const run = await runStages(inputs, deps, { stopBefore: 'faces', startFacesEarly: false })
  return {
    verdict: run.verdict,
    evidence: run.evidence,
    template: run.context.embedding,
    kid: run.context.kid,
    jtiHash: run.context.jtiHash,
    verifyMs: run.timings.verifyMs,
  }
}

/** A decision as a clearance event. */
export function clearanceRecord(
  decision: Decision,
  context: Pick<StageContext, 'score' | 'kid' | 'jtiHash'>,
  timings: Timings,
  deps: Pick<PipelineDeps, 'identity' | 'policy' | 'now' | 'eventClock'>,
): ClearanceRecord {
  return {
    eventId: randomUUID(),
    kioskId: deps.identity.kioskId,
    controlPoint: deps.identity.controlPoint,
    channel: 'contactless',
    ...decision,
    score: context.score,
    modelVersion: `${deps.policy.model.name}@${deps.policy.model.version}`,
    kid: context.kid,
    jtiHash: context.jtiHash,
    occurredAt: Math.round((deps.eventClock ?? deps.now)()),
    timings,
  }
}

/** No approval without a durable record: if the outbox cannot take the decision, the passenger is referred. */
function recordDurably(record: ClearanceRecord, claim: OfflineJtiClaim | null, offline: OfflineMode): ClearanceRecord {
  try {
    offline.record(record, claim)
    return record
  } catch {
    const referred: ClearanceRecord = { ...record, decision: 'REFER_TO_OFFICER', reason: 'INTERNAL_ERROR' }
    try {
      offline.record(referred, claim)
    } catch {
      // The outbox is broken; the referral itself still stands.
    }
    return referred
  }
}

interface StageRun {
  verdict: Verdict
  evidence: ClearanceEvidence
  context: StageContext
  timings: Timings
}

interface StageRunOptions {
  /** Return as soon as decide() asks for this stage (its verdict stays PENDING). */
  stopBefore?: Stage
  /** Start the face analysis during admission (default true). */
  startFacesEarly?: boolean
}

/** Runs the stages decide() asks for until it decides (or asks for `stopBefore`). */
async function runStages(
  inputs: ClearanceInputs,
  deps: PipelineDeps,
  options: StageRunOptions = {},
): Promise<StageRun> {
  const timings: Timings = { decodeMs: 0, verifyMs: 0, detectMs: 0, embedMs: 0, livenessMs: 0, matchMs: 0, totalMs: 0 }
  const evidence: ClearanceEvidence = {}
  const context: StageContext = {
    kid: null,
    jtiHash: null,
    score: null,
    embedding: null,
    faceAnalysis: null,
    offlineClaim: null,
  }
  const startFacesEarly = options.startFacesEarly ?? true
  let verdict = decide(evidence, deps.policy)
  for (let step = 0; verdict.decision === 'PENDING' && verdict.needs !== options.stopBefore && step < 8; step++) {
    try {
      await runStage(verdict.needs, inputs, startFacesEarly, evidence, context, timings, deps)
    } catch {
      evidence.internalError = true
    }
    verdict = decide(evidence, deps.policy)
  }
  return { verdict, evidence, context, timings }
}

async function runStage(
  stage: Stage,
  inputs: ClearanceInputs,
  startFacesEarly: boolean,
  evidence: ClearanceEvidence,
  context: StageContext,
  timings: Timings,
  deps: PipelineDeps,
): Promise<void> {
  const t0 = performance.now()
  switch (stage) {
    case 'qr': {
      evidence.qrText = await inputs.readQr()
      await Promise.all([deps.keys.refreshIfDue(deps.now()), deps.offline?.refreshIfDue()])
      evidence.keysFresh = deps.keys.isFresh(deps.now())
      timings.decodeMs = round(performance.now() - t0)
      return
    }
    case 'token': {
      const nowSec = Math.floor(deps.now() / 1000)
      evidence.token = verifyToken(evidence.qrText!, deps.keys.current, deps.tokenPolicy, nowSec)
      const kid = !evidence.token.ok && evidence.token.detail === 'unknown kid' ? kidOf(evidence.qrText!) : null
      if (kid && (await deps.keys.refreshForUnknownKid(kid, deps.now()))) {
        evidence.token = verifyToken(evidence.qrText!, deps.keys.current, deps.tokenPolicy, nowSec)
      }
      if (evidence.token.ok) {
        context.kid = evidence.token.kid
        context.jtiHash = jtiHash(evidence.token.claims.iss, evidence.token.claims.jti)
      }
      timings.verifyMs = round(performance.now() - t0)
      return
    }
    case 'admission': {
      if (!evidence.token?.ok) throw new Error('admission without a valid token')
      const { iss, jti, exp, sub } = evidence.token.claims
      // The face is captured while the server answers: the round trips overlap the face work. If admission
      // fails, the result is simply not used (it is awaited, so no rejection goes unhandled).
      if (startFacesEarly) {
        context.faceAnalysis = inputs.analyseFaces()
        context.faceAnalysis.catch(() => {})
      }
      // The ledger and the template are independent reads: ask both at once.
      const [ledger, template] = await Promise.allSettled([
        deps.server.consumeJti(iss, jti, exp),
        deps.server.fetchTemplate(sub),
      ])
      evidence.ledger = ledger.status === 'fulfilled' ? (ledger.value ? 'consumed' : 'replayed') : 'unavailable'
      if (template.status === 'rejected') evidence.template = 'unavailable'
      else if (template.value.status !== 'ok') evidence.template = template.value.status
      else {
        evidence.template = {
          model: template.value.model!,
          ...(template.value.photos === undefined ? {} : { photos: template.value.photos }),
        }
        context.embedding = template.value.embedding!
      }
      if (deps.offline) {
        const admission = deps.offline.admit({
          claims: evidence.token.claims,
          jtiHash: context.jtiHash!,
          keysFresh: deps.keys.isFresh(deps.now()),
          nowMs: deps.now(),
          ledger: evidence.ledger,
          template: evidence.template,
          embedding: context.embedding,
          // Only an outage may be bridged offline; a refusal (a withdrawn kiosk key) or a bug may not.
          outage: [ledger, template].every(
            (r) => r.status === 'fulfilled' || r.reason instanceof ServerUnavailableError,
          ),
        })
        evidence.ledger = admission.ledger
        evidence.template = admission.template
        context.embedding = admission.embedding
        context.offlineClaim = admission.claim
        if (admission.refusal) evidence.offlineRefusal = admission.refusal
      }
      timings.verifyMs = round(timings.verifyMs + performance.now() - t0)
      return
    }
    case 'faces': {
      const analysis = await (context.faceAnalysis ?? inputs.analyseFaces())
      evidence.faces = analysis.faces
      evidence.faceModel = analysis.model
      timings.detectMs = round(analysis.timings.decodeMs + analysis.timings.detectMs)
      timings.embedMs = round(analysis.timings.embedMs)
      timings.livenessMs = round(analysis.timings.livenessMs)
      return
    }
    case 'match': {
      const face = faceToMatch(evidence.faces ?? [], deps.policy)
      if (!face || !context.embedding) throw new Error('match without a face or a template')
      context.score = matchScore(face.embedding, context.embedding)
      evidence.matchScore = context.score
      timings.matchMs = round(performance.now() - t0)
      return
    }
  }
}

function kidOf(token: string): string | null {
  try {
    const header = JSON.parse(Buffer.from(token.split('.')[0] ?? '', 'base64url').toString('utf8')) as { kid?: unknown }
    return typeof header.kid === 'string' ? header.kid : null
  } catch {
    return null
  }
}

function round(value: number, digits = 2): number {
  const f = 10 ** digits
  return Math.round(value * f) / f
}
