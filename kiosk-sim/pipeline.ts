import { randomUUID } from 'node:crypto'
import { jtiHash, type OfflineJtiClaim } from '../lib/outbox-chain.ts'
import type { FaceAnalysis, FaceEngine } from '../models/face-types.ts'
import { cosineSimilarity } from '../models/match.ts'
import type { TokenPolicy } from '../tokens/token-profile.ts'
import { verifyToken } from '../tokens/verify-token.ts'
import { decide, faceToMatch, type ClearanceEvidence, type Stage } from './decide.ts'
import type { Decision } from './decision-types.ts'
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
  /** Epoch milliseconds; a simulation can move it. */
  now: () => number
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

/**
 * One passenger, frame to decision. Stages run only when decide() asks for them, so a bad token costs
 * no face work. Whatever throws becomes REFER_TO_OFFICER(INTERNAL_ERROR): the gate fails closed.
 */
export async function clearPassenger(frames: PassengerFrames, deps: PipelineDeps): Promise<ClearanceRecord> {
  const started = performance.now()
  const timings: Timings = { decodeMs: 0, verifyMs: 0, detectMs: 0, embedMs: 0, livenessMs: 0, matchMs: 0, totalMs: 0 }
  const evidence: ClearanceEvidence = {}
  const context: StageContext = { kid: null, jtiHash: null, score: null, embedding: null, faceAnalysis: null, offlineClaim: null }
  let verdict = decide(evidence, deps.policy)
  for (let step = 0; verdict.decision === 'PENDING' && step < 8; step++) {
    try {
      await runStage(verdict.needs, frames, evidence, context, timings, deps)
    } catch {
      evidence.internalError = true
    }
    verdict = decide(evidence, deps.policy)
  }
  const decision: Decision = verdict.decision === 'PENDING' ? { decision: 'REFER_TO_OFFICER', reason: 'INTERNAL_ERROR' } : verdict
  timings.totalMs = round(performance.now() - started)
  const record: ClearanceRecord = {
    eventId: randomUUID(),
    kioskId: deps.identity.kioskId,
    controlPoint: deps.identity.controlPoint,
    channel: 'contactless',
    ...decision,
    score: context.score,
    modelVersion: `${deps.policy.model.name}@${deps.policy.model.version}`,
    kid: context.kid,
    jtiHash: context.jtiHash,
    occurredAt: Math.round(deps.now()),
    timings,
  }
  return deps.offline ? recordDurably(record, context.offlineClaim, deps.offline) : record
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

async function runStage(
  stage: Stage,
  frames: PassengerFrames,
  evidence: ClearanceEvidence,
  context: StageContext,
  timings: Timings,
  deps: PipelineDeps,
): Promise<void> {
  const t0 = performance.now()
  switch (stage) {
    case 'qr': {
      const qr = await decodeQr(frames.qrFrame)
      evidence.qrText = qr?.text ?? null
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
      context.faceAnalysis = deps.engine.analyze(frames.faceFrame)
      context.faceAnalysis.catch(() => {})
      // The ledger and the template are independent reads: ask both at once.
      const [ledger, template] = await Promise.allSettled([deps.server.consumeJti(iss, jti, exp), deps.server.fetchTemplate(sub)])
      evidence.ledger = ledger.status === 'fulfilled' ? (ledger.value ? 'consumed' : 'replayed') : 'unavailable'
      if (template.status === 'rejected') evidence.template = 'unavailable'
      else if (template.value.status !== 'ok') evidence.template = template.value.status
      else {
        evidence.template = { model: template.value.model!, ...(template.value.photos === undefined ? {} : { photos: template.value.photos }) }
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
          outage: [ledger, template].every((r) => r.status === 'fulfilled' || r.reason instanceof ServerUnavailableError),
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
      const analysis = await (context.faceAnalysis ?? deps.engine.analyze(frames.faceFrame))
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
      context.score = round(cosineSimilarity(face.embedding, context.embedding), 4)
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
