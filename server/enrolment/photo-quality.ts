import { distinctFaces } from '../../models/distinct-faces.ts'
import type { DetectedFace, FaceAnalysis } from '../../models/face-types.ts'
import type { EnrolmentPolicy } from '../config.ts'
import type { ErrorCode } from '../errors.ts'

export type PhotoAssessment = { ok: true; face: DetectedFace } | { ok: false; code: ErrorCode; detail: string }

/** Pure: an enrolment photo must hold exactly one face, large, confident, real, with a usable descriptor. */
export function assessEnrolmentPhoto(
  analysis: FaceAnalysis,
  policy: Pick<EnrolmentPolicy, 'minDetectorScore' | 'minFaceSizePx' | 'minQualityScore' | 'antispoofMin'>,
  expectedEmbeddingLength: number,
): PhotoAssessment {
  const faces = distinctFaces(analysis.faces, policy.minDetectorScore, 0)
  if (faces.length === 0)
    return { ok: false, code: 'FACE_NOT_FOUND', detail: 'no face found: the photo must show one clear, frontal face' }
  if (faces.length > 1)
    return {
      ok: false,
      code: 'FACE_MULTIPLE',
      detail: `${faces.length} faces found: the photo must show one person only`,
    }
  const face = faces[0]!
  if (face.faceSizePx < policy.minFaceSizePx) {
    return {
      ok: false,
      code: 'FACE_TOO_SMALL',
      detail: `face ${Math.round(face.faceSizePx)} px, need ${policy.minFaceSizePx}`,
    }
  }
  if (face.detectorScore < policy.minQualityScore) {
    return { ok: false, code: 'FACE_QUALITY_LOW', detail: `detector confidence ${face.detectorScore.toFixed(2)}` }
  }
  if (face.embedding.length !== expectedEmbeddingLength || !face.embedding.every(Number.isFinite)) {
    return { ok: false, code: 'FACE_QUALITY_LOW', detail: 'no usable descriptor' }
  }
  if (face.antispoof === null || face.antispoof < policy.antispoofMin) {
    return { ok: false, code: 'FACE_SPOOF_SUSPECTED', detail: 'anti-spoof score below threshold' }
  }
  return { ok: true, face }
}
