import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { EVENT_PROBLEM_TEXT, firstEventProblem, LIVE_EVENT_MAX_AGE_MS } from '../domain/clearance-event-rules.ts'
import { openOrFail } from '../enrolment/template-opening.ts'
import { auditEvent } from '../store/audit-event.ts'
import { EventIdConflictError } from '../store/store.ts'
import { AppError } from '../errors.ts'
import { BearerSecurity, errorResponses } from '../schemas/common.ts'
import {
  EventBatchBody,
  EventBatchResponse,
  JtiBody,
  JtiResponse,
  SubjectParams,
  TemplateResponse,
} from '../schemas/kiosk.ts'
import { schemaRef } from '../schemas/schema-ref.ts'

export const kioskRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.addHook('onRequest', app.requireKiosk)

  app.get(
    '/v1/kiosk/templates/:subject',
    {
      schema: {
        summary: "The enrolled template for a token's subject",
        tags: ['kiosk'],
        security: BearerSecurity,
        params: SubjectParams,
        response: { 200: schemaRef(TemplateResponse), ...errorResponses(401, 404, 410) },
      },
    },
    async (request) => {
      const resident = await app.store.getResidentBySubject(request.params.subject)
      if (!resident) throw new AppError('RESIDENT_NOT_FOUND', 'no such subject')
      if (resident.status !== 'active') throw new AppError('RESIDENT_REVOKED', 'resident is revoked')
      const template = await app.store.getTemplate(resident.subject)
      if (!template) throw new AppError('RESIDENT_NOT_FOUND', 'no template')
      const e = openOrFail(template, app.config.templateKey)
      return {
        subject: template.subject,
        model: { name: template.modelName, version: template.modelVersion },
        embedding: Buffer.from(e.buffer, e.byteOffset, e.byteLength).toString('base64'),
        dimensions: e.length,
        photos: template.photos,
      }
    },
  )

  app.post(
    '/v1/kiosk/jti',
    {
      bodyLimit: 1024,
      schema: {
        summary: 'Consume a token id once (replay ledger keyed on iss and jti)',
        tags: ['kiosk'],
        security: BearerSecurity,
        body: JtiBody,
        response: { 200: JtiResponse, ...errorResponses(401, 409) },
      },
    },
    async (request) => {
      const { iss, jti, exp } = request.body
      const first = await app.store.consumeJti({
        iss,
        jti,
        expiresAtSec: exp,
        kioskId: request.kioskId!,
        consumedAt: new Date().toISOString(),
      })
      app.metrics.jti.inc({ outcome: first ? 'consumed' : 'replayed' })
      if (!first) throw new AppError('TOKEN_REPLAYED', 'token already used')
      return { consumed: true as const }
    },
  )

  app.post(
    '/v1/kiosk/events',
    {
      bodyLimit: 2 * 1024 * 1024,
      schema: {
        summary: 'Report clearance events in batches; idempotent by (kioskId, eventId), a changed resend is 409',
        tags: ['kiosk'],
        security: BearerSecurity,
        body: EventBatchBody,
        response: { 200: EventBatchResponse, ...errorResponses(401, 403, 409, 413, 422) },
      },
    },
    async (request) => {
      const { events } = request.body
      if (events.some((e) => e.kioskId !== request.kioskId)) {
        throw new AppError('EVENT_KIOSK_MISMATCH', 'events must come from the authenticated kiosk')
      }
      // The whole batch or nothing: the kiosk learns which event, and nothing half-stored needs untangling.
      const receivedAt = Date.now()
      const problem = firstEventProblem(events, receivedAt, LIVE_EVENT_MAX_AGE_MS)
      if (problem)
        throw new AppError(problem.code, `event ${problem.index} refused: ${EVENT_PROBLEM_TEXT[problem.code]}`)
      const result = await app.store.insertEvents(events, receivedAt).catch(async (error: unknown) => {
        if (!(error instanceof EventIdConflictError)) throw error
        // Evidence: a kiosk that rewrites one of its own decisions (or a bug that reuses ids). Nothing was stored.
        const details = { kioskId: error.kioskId, eventId: error.eventId }
        await app.store.appendAudit(auditEvent('EVENT_ID_CONFLICT', 'kiosk', null, details))
        throw new AppError('EVENT_ID_CONFLICT', `event ${error.eventId} is stored with other content`)
      })
      app.metrics.clearanceEvents.inc({ outcome: 'stored' }, result.inserted)
      app.metrics.clearanceEvents.inc({ outcome: 'duplicate' }, result.duplicates)
      if (result.inserted > 0) app.statsFeed.changed()
      return { accepted: result.inserted, duplicates: result.duplicates }
    },
  )
}
