import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { BearerSecurity, errorResponses } from '../schemas/common.ts'
import { auditEvent } from '../store/audit-event.ts'

const KeyRingView = Type.Object(
  {
    active: Type.String(),
    published: Type.Array(Type.String()),
    retired: Type.Array(Type.String()),
  },
  { additionalProperties: false },
)

export const adminKeyRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const view = () => {
    const ring = app.signingKeys.ring()
    return {
      active: ring.active.kid,
      published: ring.published.map((k) => k.kid),
      retired: ring.retired.map((k) => k.kid),
    }
  }

  app.get(
    '/v1/admin/keys',
    {
      onRequest: app.requireOperator,
      schema: {
        summary: 'Signing key ring',
        tags: ['admin'],
        security: BearerSecurity,
        response: { 200: KeyRingView, ...errorResponses(401) },
      },
    },
    async () => view(),
  )

  app.post(
    '/v1/admin/keys/rotate',
    {
      onRequest: app.requireOperator,
      bodyLimit: 1024,
      schema: {
        summary: 'Add a signing key that signs from now on; the previous key verifies until the overlap ends',
        tags: ['admin'],
        security: BearerSecurity,
        response: { 200: KeyRingView, ...errorResponses(401) },
      },
    },
    async (request) => {
      const added = await app.signingKeys.rotate()
      request.log.warn({ kid: added.kid }, 'signing key rotated')
      await app.store.appendAudit(auditEvent('KEY_ROTATED', 'operator', null, { kid: added.kid }))
      return view()
    },
  )
}
