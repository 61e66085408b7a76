import { randomUUID } from 'node:crypto'
import type { FaceEngine } from '../../models/face-types.ts'
import { ImageError } from '../../models/image-errors.ts'
import { sameFaceModel } from '../../models/face-model.ts'
import { averageEmbeddings, firstPairBelow } from '../../models/match.ts'
import { requireHkid } from '../domain/hkid.ts'
import { normaliseName } from '../domain/person-name.ts'
import type { EnrolmentPolicy } from '../config.ts'
import { AppError } from '../errors.ts'
import { auditEvent } from '../store/audit-event.ts'
import { EnrolmentLockTimeoutError, type ResidentRecord, type Store } from '../store/store.ts'
import { sealTemplate } from '../templates/template-sealer.ts'
import { newResidentCredential, newSubject } from './credentials.ts'
import type { TemplateChangeFeed } from './template-change-feed.ts'
import type { TemplateIndex } from './template-index.ts'
import { eligibilityError, eligibilityMessage } from './eligibility.ts'
import { assessEnrolmentPhoto } from './photo-quality.ts'

export interface EnrolmentRequest {
  residentId: string
  name: string
  dateOfBirth: string
  guardianConsent: boolean
  /** 1..N photos of the same person; the template is the unit-length mean of their descriptors. */
  photos: Uint8Array[]
}

export interface EnrolmentDeps {
  store: Store
  faceEngine: FaceEngine
  policy: EnrolmentPolicy
  embeddingLength: number
  templateKey: Buffer
  now: () => Date
  /** Active templates of the calibrated model, for the 1:N duplicate search. */
  index: TemplateIndex
  /** Other instances' enrolments and revocations since the index last looked. */
  changes: Pick<TemplateChangeFeed, 'catchUp'>
  /** How long to wait for the enrolment lock that all instances share. */
  lockTimeoutMs: number
}

/** What the engine saw in one enrolment photo: the operator's feedback (no embedding, nothing about identity). */
export interface EnrolledFace {
  photoIndex: number
  detectorScore: number
  faceSizePx: number
  box: [number, number, number, number]
  antispoof: number | null
  liveness: number | null
}

export interface EnrolmentResult {
  resident: ResidentRecord
  credential: string
  model: { name: string; version: string }
  /** One per photo, in the request's order: the photos that went into the template. */
  faces: EnrolledFace[]
}

/**
 * Identity checks, then each photo (one face, size, confidence, anti-spoof), then the same-person check over
 * every pair of photos, then the 1:N duplicate search with the template (the mean of the photos' descriptors),
 * then one transaction for resident and template. The photos themselves are never stored.
 */
export async function enrolResident(request: EnrolmentRequest, deps: EnrolmentDeps): Promise<EnrolmentResult> {
  const hkid = requireHkid(request.residentId)
  // The schema refuses a name that breaks the rule; this also stores it in its one normal form.
  const name = normaliseName(request.name)
  if (name === null) throw new AppError('VALIDATION_FAILED', 'name must hold a letter and no hidden characters')
  const today = deps.now()
  const ineligible = eligibilityError(request.dateOfBirth, request.guardianConsent, today, deps.policy)
  if (ineligible) throw new AppError(ineligible, eligibilityMessage(ineligible, deps.policy))
  if (await deps.store.getResident(hkid.canonical))
    throw new AppError('RESIDENT_EXISTS', 'resident is already enrolled')

  if (request.photos.length === 0) throw new AppError('VALIDATION_FAILED', 'at least one photo is required')
  const several = request.photos.length > 1
  const embeddings: Float32Array[] = []
  const faces: EnrolledFace[] = []
  let model: { name: string; version: string } | undefined
  for (const [index, photo] of request.photos.entries()) {
    const where = several ? { photoIndexes: [index] } : {}
    const analysis = await analyzePhoto(deps.faceEngine, photo, where)
    const assessment = assessEnrolmentPhoto(analysis, deps.policy, deps.embeddingLength)
    if (!assessment.ok)
      throw new AppError(assessment.code, several ? `photo ${index}: ${assessment.detail}` : assessment.detail, where)
    if (model && !sameFaceModel(model, analysis.model))
      throw new AppError('FACE_ENGINE_UNAVAILABLE', 'the engine model changed during the enrolment')
    model = analysis.model
    embeddings.push(assessment.face.embedding)
    const { detectorScore, faceSizePx, box, antispoof, liveness } = assessment.face
    faces.push({ photoIndex: index, detectorScore, faceSizePx, box: [...box], antispoof, liveness })
  }
  const mismatch = firstPairBelow(embeddings, deps.policy.samePersonThreshold)
  if (mismatch) {
    throw new AppError('PHOTOS_NOT_SAME_PERSON', `photos ${mismatch.a} and ${mismatch.b} do not match each other`, {
      photoIndexes: [mismatch.a, mismatch.b],
    })
  }
  // One photo: its descriptor as it is (already unit length); several: the unit-length mean.
  const template = several ? averageEmbeddings(embeddings) : embeddings[0]!
  if (template.length !== deps.embeddingLength)
    throw new AppError('FACE_QUALITY_LOW', 'the photos give no usable mean descriptor')

  // Search-then-insert under the store's enrolment lock (one for this process and every other instance), with the
  // index brought up to date inside it: two enrolments of one face cannot both pass the search.
  return deps.store
    .withEnrolmentLock(async () => {
      await deps.changes.catchUp()
      return { ...(await admit(hkid.canonical, { ...request, name }, model!, template, today, deps)), faces }
    }, deps.lockTimeoutMs)
    .catch((error: unknown) => {
      if (error instanceof EnrolmentLockTimeoutError)
        throw new AppError('ENROLMENT_BUSY', 'another enrolment holds the lock; try again')
      throw error
    })
}

async function admit(
  residentId: string,
  request: EnrolmentRequest,
  model: { name: string; version: string },
  embedding: Float32Array,
  today: Date,
  deps: EnrolmentDeps,
): Promise<Omit<EnrolmentResult, 'faces'>> {
  if (!sameFaceModel(model, deps.index.model))
    throw new AppError('FACE_ENGINE_UNAVAILABLE', 'the engine model differs from the duplicate index')
  const duplicate = deps.index.search(embedding, { threshold: deps.policy.duplicateThreshold, k: 1 })[0]
  if (duplicate) {
    await deps.store.recordReview({
      reviewId: randomUUID(),
      residentId,
      matchedResidentId: duplicate.id,
      score: duplicate.score,
      createdAt: today.toISOString(),
    })
    const details = { score: Math.round(duplicate.score * 1e4) / 1e4, model: `${model.name}@${model.version}` }
    await deps.store.appendAudit(auditEvent('ENROLMENT_REVIEW', 'operator', null, details, today))
    throw new AppError(
      'DUPLICATE_FACE_REVIEW',
      'the face matches an enrolled resident; the enrolment was sent for review',
    )
  }

  const subject = newSubject()
  const { credential, hash } = newResidentCredential()
  const resident = {
    residentId,
    subject,
    name: request.name,
    dateOfBirth: request.dateOfBirth,
    guardianConsent: request.guardianConsent,
    enrolledAt: today.toISOString(),
  }
  const outcome = await deps.store.createResident({
    resident,
    credentialHash: hash,
    template: {
      subject,
      modelName: model.name,
      modelVersion: model.version,
      dimensions: embedding.length,
      photos: request.photos.length,
      sealed: sealTemplate(
        embedding,
        { subject, modelName: model.name, modelVersion: model.version, photos: request.photos.length },
        deps.templateKey,
      ),
    },
  })
  if (outcome === 'exists') throw new AppError('RESIDENT_EXISTS', 'resident is already enrolled')
  deps.index.add(residentId, embedding)
  await deps.store.appendAudit(
    auditEvent('ENROLLED', 'operator', subject, { model: `${model.name}@${model.version}` }, today),
  )
  return { resident: { ...resident, status: 'active', revokedAt: null }, credential, model }
}

async function analyzePhoto(engine: FaceEngine, photo: Uint8Array, where: { photoIndexes?: number[] }) {
  try {
    return await engine.analyze(photo)
  } catch (error) {
    if (error instanceof ImageError) throw new AppError(error.code, error.message, where)
    throw new AppError('FACE_ENGINE_UNAVAILABLE', 'the face engine could not process the photo')
  }
}
