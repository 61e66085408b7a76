// One frame through the gate's face stage: the decision the kiosk would take on it (decide.ts checkFaces, the same
// face pick and the same presentation check), and every score behind it. Pure.

import type { DetectedFace } from '../../models/face-types.ts'
import { checkPresentation, type PresentationCheckName } from '../../models/pad/presentation-check.ts'
import type { FaceThresholds } from '../../models/thresholds.ts'
import { checkFaces, countedFaces, faceToMatch } from '../gate/decide.ts'
import type { PadImageAnalysis } from './pad-analyses.ts'
import type { PadEntry } from './pad-manifest.ts'

/** PASS: the face stage let the frame through to matching; otherwise the gate's referral reason. */
export type FrameDecision = 'PASS' | 'NO_FACE' | 'MULTIPLE_FACES' | 'FACE_QUALITY_LOW' | 'SPOOF_SUSPECTED'

export interface PadFrameResult extends PadEntry {
  decision: FrameDecision
  imageError: string | null
  /** Faces the gate counts (countedFaces). */
  faces: number
  /** The presentation check's first failed check; null when it passed or did not run (no single face). */
  failedCheck: PresentationCheckName | null
  /** The one face the gate would compare (faceToMatch), or null. */
  face: {
    box: DetectedFace['box']
    faceSizePx: number
    detectorScore: number
    antispoof: number | null
    liveness: number | null
    pad: number | null
  } | null
}

export function judgeFrame(image: PadImageAnalysis, policy: FaceThresholds): PadFrameResult {
  const { file, subject, presentation, species, imageError } = image
  const referral = checkFaces(image.faces, policy)
  const decision: FrameDecision = referral === null ? 'PASS' : (referral.reason as FrameDecision)
  const face = faceToMatch(image.faces, policy)
  const check = face ? checkPresentation(face, policy) : null
  return {
    file,
    subject,
    presentation,
    species,
    decision,
    imageError,
    faces: countedFaces(image.faces, policy).length,
    failedCheck: check?.failedCheck ?? null,
    face: face
      ? {
          box: face.box,
          faceSizePx: face.faceSizePx,
          detectorScore: face.detectorScore,
          antispoof: face.antispoof,
          liveness: face.liveness,
          pad: face.pad,
        }
      : null,
  }
}

/** The embedding of the face the gate would compare, when the frame passed the face stage. */
export function comparedEmbedding(image: PadImageAnalysis, policy: FaceThresholds): Float32Array | null {
  if (checkFaces(image.faces, policy) !== null) return null
  return faceToMatch(image.faces, policy)?.embedding ?? null
}
