import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { requireHkid } from '../domain/hkid.ts'
import { newResidentCredential } from '../enrolment/credentials.ts'
import { enrolResident } from '../enrolment/enrol-resident.ts'
import { enrolmentFromMultipart } from '../enrolment/multipart-enrolment.ts'
import { AppError } from '../errors.ts'
import { BearerSecurity, errorResponses } from '../schemas/common.ts'
import {
  CredentialResponse,
  EnrolmentBody,
  MAX_ENROLMENT_PHOTOS,
  EnrolmentResponse,
  ResidentParams,
  ResidentView,
} from '../schemas/residents.ts'
import { auditEvent } from '../store/audit-event.ts'
import type { ResidentRecord } from '../store/store.ts'
import { schemaRef } from '../schemas/schema-ref.ts'

/** An enrolment waits this long for another instance's enrolment to finish, then gets ENROLMENT_BUSY. */
const ENROLMENT_LOCK_TIMEOUT_MS = 10_000

const BASE64_PATTERN = /^[A-Za-z0-9+/]+={0,2}$/

/** The body's photo or photos as bytes; exactly one of the two fields must be present. */
function decodePhotos(body: EnrolmentBody): Uint8Array[] {
  if ((body.photo === undefined) === (body.photos === undefined))
    throw new AppError('VALIDATION_FAILED', 'give either photo or photos')
  const encoded = body.photos ?? [body.photo!]
  return encoded.map((text, index) => {
    const base64 = text.replace(/[\r\n]/g, '')
    if (!BASE64_PATTERN.test(base64))
      throw new AppError('VALIDATION_FAILED', `photo ${index} is not base64`, { photoIndexes: [index] })
    return Buffer.from(base64, 'base64')
  })
}

export const residentRoutes: FastifyPluginAsyncTypebox<{ embeddingLength: number }> = async (app, options) => {
  app.post(
    '/v1/residents',
    {
      bodyLimit: app.config.photoBodyLimitBytes,
      onRequest: app.requireOperator,
      preValidation: async (request) => {
        // Multipart uploads (fields plus photo files) take the JSON body's shape before the schema sees them.
        if (request.isMultipart())
          request.body = (await enrolmentFromMultipart(request, app.config.photoBodyLimitBytes)) as EnrolmentBody
      },
      config: { rateLimit: { max: app.config.rateLimits.enrolmentsPerMinute, timeWindow: '1 minute' } },
      schema: {
        summary:
          `Enrol a resident with 1 to ${MAX_ENROLMENT_PHOTOS} face photos of the same person ` +
          '(JSON with base64 photo or photos, or multipart)',
        tags: ['residents'],
        security: BearerSecurity,
        body: EnrolmentBody,
        response: { 201: schemaRef(EnrolmentResponse), ...errorResponses(401, 404, 409, 410, 413, 415, 422, 503) },
      },
    },
    async (request, reply) => {
      const result = await enrolResident(
        {
          residentId: request.body.residentId,
          name: request.body.name,
          dateOfBirth: request.body.dateOfBirth,
          guardianConsent: request.body.guardianConsent ?? false,
          photos: decodePhotos(request.body),
        },
        {
          store: app.store,
          faceEngine: app.faceEngine,
          policy: app.config.enrolment,
          embeddingLength: options.embeddingLength,
          templateKey: app.config.templateKey,
          now: () => new Date(),
          index: app.duplicateIndex,
          changes: app.templateChanges,
          lockTimeoutMs: ENROLMENT_LOCK_TIMEOUT_MS,
        },
      ).catch((error: unknown) => {
        app.metrics.enrolments.inc({ outcome: error instanceof AppError ? error.code : 'INTERNAL_ERROR' })
        throw error
      })
      request.log.info({ enrolled: true, model: result.model.version }, 'resident enrolled')
      app.metrics.enrolments.inc({ outcome: 'ENROLLED' })
      // CompreFace-style feedback: how many photos made the template and what the engine saw in each.
      return reply
        .status(201)
        .header('location', `/v1/residents/${encodeURIComponent(result.resident.residentId)}`)
        .send({
          resident: residentView(result.resident),
          model: result.model,
          credential: result.credential,
          photos: result.faces.length,
          faces: result.faces,
        })
    },
  )

  app.get(
    '/v1/residents/:residentId',
    {
      onRequest: app.requireOperator,
      schema: {
        summary: 'Read a resident (no template, no credential)',
        tags: ['residents'],
        security: BearerSecurity,
        params: ResidentParams,
        response: { 200: ResidentView, ...errorResponses(401, 404) },
      },
    },
    async (request) => residentView(await findResident(request.params.residentId)),
  )

  app.delete(
    '/v1/residents/:residentId',
    {
      onRequest: app.requireOperator,
      schema: {
        summary: 'Revoke a resident: their tokens are rejected from now on',
        tags: ['residents'],
        security: BearerSecurity,
        params: ResidentParams,
        response: { 200: ResidentView, ...errorResponses(401, 404) },
      },
    },
    async (request) => {
      const resident = await findResident(request.params.residentId)
      if (await app.store.revokeResident(resident.residentId, new Date().toISOString())) {
        app.duplicateIndex.remove(resident.residentId)
        await app.store.appendAudit(auditEvent('REVOKED', 'operator', resident.subject))
      }
      request.log.info({ revoked: true }, 'resident revoked')
      return residentView(await findResident(resident.residentId))
    },
  )

  app.post(
    '/v1/residents/:residentId/credential',
    {
      onRequest: app.requireOperator,
      bodyLimit: 1024,
      config: { rateLimit: { max: 60, timeWindow: '1 minute' } },
      schema: {
        summary: 'Issue a new resident credential (a lost phone); the old one stops working',
        tags: ['residents'],
        security: BearerSecurity,
        params: ResidentParams,
        response: { 200: CredentialResponse, ...errorResponses(401, 404, 410) },
      },
    },
    async (request) => {
      const resident = await findResident(request.params.residentId)
      if (resident.status !== 'active') throw new AppError('RESIDENT_REVOKED', 'resident is revoked')
      const { credential, hash } = newResidentCredential()
      if (!(await app.store.replaceCredential(resident.residentId, hash)))
        throw new AppError('RESIDENT_REVOKED', 'resident is revoked')
      await app.store.appendAudit(auditEvent('CREDENTIAL_RESET', 'operator', resident.subject))
      return { credential }
    },
  )

  async function findResident(input: string): Promise<ResidentRecord> {
    const hkid = requireHkid(input)
    const resident = await app.store.getResident(hkid.canonical)
    if (!resident) throw new AppError('RESIDENT_NOT_FOUND', 'no such resident')
    return resident
  }
}

function residentView(r: ResidentRecord) {
  return {
    residentId: r.residentId,
    name: r.name,
    dateOfBirth: r.dateOfBirth,
    guardianConsent: r.guardianConsent,
    status: r.status,
    enrolledAt: r.enrolledAt,
    revokedAt: r.revokedAt,
  }
}
