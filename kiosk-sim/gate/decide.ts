import type { DetectedFace, FaceModelId } from '../../models/face-types.ts'
import { distinctFaces } from '../../models/distinct-faces.ts'
import { checkPresentation } from '../../models/pad/presentation-check.ts'
import { sameFaceModel } from '../../models/face-model.ts'
import { cosineSimilarity, isUsableEmbedding } from '../../models/match.ts'
import { matchThresholdFor, type FaceThresholds } from '../../models/thresholds.ts'
import type { TokenCheck } from '../../tokens/verify-token.ts'
import type { Decision, ReferReason, RejectReason } from '../../contract/decision-reasons.ts'

export type LedgerOutcome = 'consumed' | 'replayed' | 'unavailable'
/** photos: enrolment photos behind the template; it picks the threshold (see matchThresholdFor). */
export type TemplateOutcome = { model: FaceModelId; photos?: number } | 'revoked' | 'unknown' | 'unavailable'

/** What the gate knows so far about one passenger; a field is undefined until its stage has run. */
export interface ClearanceEvidence {
  internalError?: boolean
  /** null: no QR could be read. */
  qrText?: string | null
  keysFresh?: boolean
  token?: TokenCheck
  ledger?: LedgerOutcome
  template?: TemplateOutcome
  /** The server could not answer and offline mode was refused, for this reason. */
  offlineRefusal?: ReferReason
  faces?: readonly DetectedFace[]
  faceModel?: FaceModelId
  matchScore?: number
}

/** The stages decide() asks for, in the order a passenger meets them. */
export const STAGES = ['qr', 'token', 'admission', 'faces', 'match'] as const
export type Stage = (typeof STAGES)[number]
export type Verdict = Decision | { decision: 'PENDING'; needs: Stage }

const pending = (needs: Stage): Verdict => ({ decision: 'PENDING', needs })
export const refer = (reason: ReferReason): Decision => ({ decision: 'REFER_TO_OFFICER', reason })
export const reject = (reason: RejectReason): Decision => ({ decision: 'REJECT', reason })

/**
 * Pure: the gate's whole rule. Given the evidence so far it either decides or names the next stage to run.
 * The checks run in the order a passenger meets them; anything unexpected refers to an officer.
 */
export function decide(evidence: ClearanceEvidence, policy: FaceThresholds): Verdict {
  if (evidence.internalError) return refer('INTERNAL_ERROR')

  if (evidence.qrText === undefined) return pending('qr')
  if (evidence.qrText === null) return refer('QR_UNREADABLE')
  if (evidence.keysFresh !== true) return refer('STALE_KEYS')

  if (evidence.token === undefined) return pending('token')
  if (!evidence.token.ok) return reject(evidence.token.reason)

  if (evidence.ledger === undefined || evidence.template === undefined) return pending('admission')
  if (evidence.template === 'revoked' || evidence.template === 'unknown') return reject('TOKEN_REVOKED')
  if (evidence.ledger === 'replayed') return reject('TOKEN_REPLAYED')
  if (evidence.ledger === 'unavailable' || evidence.template === 'unavailable')
    return refer(evidence.offlineRefusal ?? 'SERVER_UNAVAILABLE')
  if (!sameFaceModel(evidence.template.model, policy.model)) return refer('TEMPLATE_MODEL_MISMATCH')

  if (evidence.faces === undefined) return pending('faces')
  if (evidence.faceModel && !sameFaceModel(evidence.faceModel, policy.model)) return refer('TEMPLATE_MODEL_MISMATCH')
  const faceCheck = checkFaces(evidence.faces, policy)
  if (faceCheck) return faceCheck

  if (evidence.matchScore === undefined) return pending('match')
  if (!Number.isFinite(evidence.matchScore)) return refer('INTERNAL_ERROR')
  const threshold = matchThresholdFor(evidence.template.photos, policy)
  return evidence.matchScore >= threshold ? { decision: 'APPROVE', reason: null } : reject('FACE_MISMATCH')
}

/** The one face the gate will compare, once decide() has passed the face checks. */
export function faceToMatch(faces: readonly DetectedFace[], policy: FaceThresholds): DetectedFace | null {
  const present = countedFaces(faces, policy)
  return present.length === 1 ? present[0]! : null
}

/** The score decide() compares with the threshold: cosine of the captured and enrolled embeddings, 4 decimals. */
export function matchScore(captured: Float32Array, enrolled: Float32Array): number {
  return Math.round(cosineSimilarity(captured, enrolled) * 10_000) / 10_000
}

/**
 * The face stage alone: the referral for these faces, or null when they may go on to matching. Exported for the
 * PAD evaluation, which measures exactly this rule on attack and bona fide frames.
 */
export function checkFaces(faces: readonly DetectedFace[], policy: FaceThresholds): Decision | null {
  const present = countedFaces(faces, policy)
  if (present.length === 0) return refer('NO_FACE')
  if (present.length > 1) return refer('MULTIPLE_FACES')
  const face = present[0]!
  if (face.faceSizePx < policy.minFaceSizePx) return refer('FACE_QUALITY_LOW')
  if (!isUsableEmbedding(face.embedding, policy.embeddingLength)) return refer('FACE_QUALITY_LOW')
  if (!checkPresentation(face, policy).passed) return refer('SPOOF_SUSPECTED')
  return null
}

/**
 * A face smaller than this share of the nearest face belongs to someone at least twice as far from the camera as the
 * traveller: a passer-by behind the gate, not a tailgater (who stands close behind, at a comparable size). Measured
 * on NUAA: all 47 bona fide frames referred MULTIPLE_FACES showed a colleague at a desk behind, at 0.19 to 0.33 of
 * the traveller's face size (docs/pad-baseline.json).
 */
export const BACKGROUND_FACE_SHARE = 0.5

/** A second person close behind counts (tailgating); tiny or far-away detections do not. */
export function countedFaces(faces: readonly DetectedFace[], policy: FaceThresholds): DetectedFace[] {
  const distinct = distinctFaces(faces, policy.minDetectorScore, policy.minFaceSizePx / 2)
  const nearest = Math.max(0, ...distinct.map((f) => f.faceSizePx))
  return distinct.filter((f) => f.faceSizePx >= BACKGROUND_FACE_SHARE * nearest)
}
