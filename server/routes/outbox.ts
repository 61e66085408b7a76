import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { jtiHash, verifyRun, type ChainProblem } from '../../lib/outbox-chain.ts'
import { firstEventProblem, OUTBOX_EVENT_MAX_AGE_MS, type EventProblemCode } from '../domain/clearance-event-rules.ts'
import { AppError } from '../errors.ts'
import { BearerSecurity, errorResponses } from '../schemas/common.ts'
import {
  OfflineFlagsQuery,
  OfflineFlagsResponse,
  OutboxAckResponse,
  OutboxBatchBody,
  OutboxHeadResponse,
  RevocationListResponse,
} from '../schemas/outbox.ts'
import { auditEvent } from '../store/audit-event.ts'
import { EventIdConflictError, type OutboxEntry } from '../store/store.ts'

/** Kiosk offline mode, server side: the revocation list kiosks cache, the outbox sync, and the flags it raises. */
export const outboxRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.post(
    '/v1/kiosk/outbox',
    {
      onRequest: app.requireKiosk,
      bodyLimit: 4 * 1024 * 1024,
      schema: {
        summary: "Sync a kiosk's outbox: a run of its hash chain, in seq order; idempotent for a resent prefix",
        tags: ['kiosk'],
        security: BearerSecurity,
        body: OutboxBatchBody,
        response: { 200: OutboxAckResponse, ...errorResponses(401, 403, 409, 413, 422) },
      },
    },
    async (request) => {
      // The chain belongs to the authenticated kiosk; the body only names it to catch a misconfigured kiosk.
      const kioskId = request.kioskId!
      const { events } = request.body
      if (request.body.kioskId !== kioskId || events.some((entry) => entry.event.kioskId !== kioskId)) {
        throw new AppError('EVENT_KIOSK_MISMATCH', 'outbox entries must come from the authenticated kiosk')
      }
      const entries: OutboxEntry[] = events.map((entry) => ({ ...entry, jti: entry.jti ?? null }))
      for (const entry of entries) {
        if (entry.jti && entry.event.jtiHash !== jtiHash(entry.jti.iss, entry.jti.jti)) {
          return refuse(kioskId, 'OUTBOX_ENTRY_INVALID', entry.seq)
        }
      }
      const problem = verifyRun(entries)
      if (problem) return refuse(kioskId, problem.code, problem.atSeq)
      // Old entries are an outage bridged, up to a bound; an entry from the future is a wrong clock, never accepted.
      const receivedAt = Date.now()
      const eventProblem = firstEventProblem(
        entries.map((entry) => entry.event),
        receivedAt,
        OUTBOX_EVENT_MAX_AGE_MS,
      )
      if (eventProblem) return refuse(kioskId, eventProblem.code, entries[eventProblem.index]!.seq)
      const result = await app.store.appendOutbox(kioskId, entries, receivedAt).catch((error: unknown) => {
        if (!(error instanceof EventIdConflictError)) throw error
        const at = entries.find((entry) => entry.event.eventId === error.eventId)!
        return refuse(kioskId, 'EVENT_ID_CONFLICT', at.seq)
      })
      if (!result.ok) return refuse(kioskId, result.problem.code, result.problem.atSeq, result.head.seq)
      app.metrics.clearanceEvents.inc({ outcome: 'stored' }, result.stored)
      app.metrics.clearanceEvents.inc({ outcome: 'duplicate' }, result.alreadyStored)
      if (result.flags.length > 0)
        request.log.warn({ kioskId, flags: result.flags.map((f) => f.kind) }, 'offline decisions flagged at sync')
      return {
        acknowledged: result.head,
        stored: result.stored,
        alreadyStored: result.alreadyStored,
        flagged: result.flags.length,
      }
    },
  )

  app.get(
    '/v1/kiosk/outbox/head',
    {
      onRequest: app.requireKiosk,
      schema: {
        summary: 'The last outbox entry the server holds for the calling kiosk (seq 0 and the genesis hash before any)',
        tags: ['kiosk'],
        security: BearerSecurity,
        response: { 200: OutboxHeadResponse, ...errorResponses(401) },
      },
    },
    async (request) => app.store.getOutboxHead(request.kioskId!),
  )

  app.get(
    '/v1/kiosk/revocations',
    {
      onRequest: app.requireKiosk,
      schema: {
        summary:
          "Subjects of revoked residents, for offline decisions; generatedAt is also the kiosk's clock reference",
        tags: ['kiosk'],
        security: BearerSecurity,
        response: { 200: RevocationListResponse, ...errorResponses(401) },
      },
    },
    async () => {
      // Read the clock first: the list is at least as new as generatedAt says, never older.
      const generatedAt = Date.now()
      return { generatedAt, revokedSubjects: await app.store.listRevokedSubjects() }
    },
  )

  app.get(
    '/v1/offline-flags',
    {
      onRequest: app.requireOperator,
      schema: {
        summary: 'Offline decisions flagged at sync: a token id used at two kiosks, an approval of a revoked resident',
        tags: ['stats'],
        security: BearerSecurity,
        querystring: OfflineFlagsQuery,
        response: { 200: OfflineFlagsResponse, ...errorResponses(401) },
      },
    },
    async (request) => ({ flags: await app.store.listOfflineFlags(request.query.limit ?? 100) }),
  )

  /** Audits the refused batch (evidence of tampering or loss), then throws its stable code. Nothing was stored. */
  async function refuse(
    kioskId: string,
    code: ChainProblem['code'] | 'OUTBOX_ENTRY_INVALID' | 'EVENT_ID_CONFLICT' | EventProblemCode,
    atSeq: number,
    headSeq?: number,
  ): Promise<never> {
    const details = { kioskId, code, atSeq, storedHeadSeq: headSeq ?? null }
    await app.store.appendAudit(auditEvent('OUTBOX_REFUSED', 'kiosk-sync', null, details))
    const next = headSeq === undefined ? '' : `; the server holds up to seq ${headSeq}`
    throw new AppError(code, `outbox refused at seq ${atSeq}${next}`)
  }
}
