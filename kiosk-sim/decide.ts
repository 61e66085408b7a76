import type { DetectedFace, FaceModelId } from '../models/face-types.ts'
import { isUsableEmbedding } from '../models/match.ts'
import type { TokenCheck } from '../tokens/verify-token.ts'
import type { Decision } from './decision-types.ts'
import type { KioskPolicy } from './kiosk-policy.ts'

export type LedgerOutcome = 'consumed' | 'replayed' | 'unavailable'
export type TemplateOutcome = { model: FaceModelId } | 'revoked' | 'unknown' | 'unavailable'

/** What the gate knows so far about one passenger; a field is undefined until its stage has run. */
export interface ClearanceEvidence {
  internalError?: boolean
  /** null: no QR could be read. */
  qrText?: string | null
  keysFresh?: boolean
  token?: TokenCheck
  ledger?: LedgerOutcome
  template?: TemplateOutcome
  faces?: readonly DetectedFace[]
  faceModel?: FaceModelId
  matchScore?: number
}

export type Stage = 'qr' | 'token' | 'admission' | 'faces' | 'match'
export type Verdict = Decision | { decision: 'PENDING'; needs: Stage }

const pending = (needs: Stage): Verdict => ({ decision: 'PENDING', needs })
const refer = (reason: Extract<Decision, { decision: 'REFER_TO_OFFICER' }>['reason']): Decision => ({ decision: 'REFER_TO_OFFICER', reason })
const reject = (reason: Extract<Decision, { decision: 'REJECT' }>['reason']): Decision => ({ decision: 'REJECT', reason })

/**
 * Pure: the gate's whole rule. Given the evidence so far it either decides or names the next stage to run.
 * The checks run in the order a passenger meets them; anything unexpected refers to an officer.
 */
export function decide(evidence: ClearanceEvidence, policy: KioskPolicy): Verdict {
  if (evidence.internalError) return refer('INTERNAL_ERROR')

  if (evidence.qrText === undefined) return pending('qr')
  if (evidence.qrText === null) return refer('QR_UNREADABLE')
  if (evidence.keysFresh !== true) return refer('STALE_KEYS')

  if (evidence.token === undefined) return pending('token')
  if (!evidence.token.ok) return reject(evidence.token.reason)

  if (evidence.ledger === undefined || evidence.template === undefined) return pending('admission')
  if (evidence.template === 'revoked' || evidence.template === 'unknown') return reject('TOKEN_REVOKED')
  if (evidence.ledger === 'replayed') return reject('TOKEN_REPLAYED')
  if (evidence.ledger === 'unavailable' || evidence.template === 'unavailable') return refer('SERVER_UNAVAILABLE')
  if (!sameModel(evidence.template.model, policy.model)) return refer('TEMPLATE_MODEL_MISMATCH')

  if (evidence.faces === undefined) return pending('faces')
  if (evidence.faceModel && !sameModel(evidence.faceModel, policy.model)) return refer('TEMPLATE_MODEL_MISMATCH')
  const faceCheck = checkFaces(evidence.faces, policy)
  if (faceCheck) return faceCheck

  if (evidence.matchScore === undefined) return pending('match')
  if (!Number.isFinite(evidence.matchScore)) return refer('INTERNAL_ERROR')
  return evidence.matchScore >= policy.matchThreshold ? { decision: 'APPROVE', reason: null } : reject('FACE_MISMATCH')
}

/** The one face the gate will compare, once decide() has passed the face checks. */
export function faceToMatch(faces: readonly DetectedFace[], policy: KioskPolicy): DetectedFace | null {
  const present = countedFaces(faces, policy)
  return present.length === 1 ? present[0]! : null
}

function checkFaces(faces: readonly DetectedFace[], policy: KioskPolicy): Decision | null {
  const present = countedFaces(faces, policy)
  if (present.length === 0) return refer('NO_FACE')
  if (present.length > 1) return refer('MULTIPLE_FACES')
  const face = present[0]!
  if (face.faceSizePx < policy.minFaceSizePx) return refer('FACE_QUALITY_LOW')
  if (!isUsableEmbedding(face.embedding, policy.embeddingLength)) return refer('FACE_QUALITY_LOW')
  if (face.antispoof === null || face.antispoof < policy.antispoofMin) return refer('SPOOF_SUSPECTED')
  if (face.liveness === null || face.liveness < policy.livenessMin) return refer('SPOOF_SUSPECTED')
  return null
}

/**
 * A second person close behind counts (tailgating); tiny far-away detections do not, and neither does a second
 * box on the same face (Human sometimes returns two overlapping boxes for one person).
 */
function countedFaces(faces: readonly DetectedFace[], policy: KioskPolicy): DetectedFace[] {
  const candidates = faces
    .filter((f) => f.detectorScore >= policy.minDetectorScore && f.faceSizePx >= policy.minFaceSizePx / 2)
    .sort((a, b) => b.detectorScore - a.detectorScore)
  const kept: DetectedFace[] = []
  for (const face of candidates) if (kept.every((k) => overlap(k.box, face.box) < 0.5)) kept.push(face)
  return kept
}

/** Intersection over union of two [x, y, w, h] boxes. */
export function overlap(a: DetectedFace['box'], b: DetectedFace['box']): number {
  const w = Math.min(a[0] + a[2], b[0] + b[2]) - Math.max(a[0], b[0])
  const h = Math.min(a[1] + a[3], b[1] + b[3]) - Math.max(a[1], b[1])
  if (w <= 0 || h <= 0) return 0
  const intersection = w * h
  return intersection / (a[2] * a[3] + b[2] * b[3] - intersection)
}

function sameModel(a: FaceModelId, b: FaceModelId): boolean {
  return a.name === b.name && a.version === b.version
}
