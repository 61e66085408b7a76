import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { BearerSecurity, errorResponses } from '../schemas/common.ts'
import { WhoamiResponse } from '../schemas/whoami.ts'
import { schemaRef } from '../schemas/schema-ref.ts'

/**
 * A cheap authenticated probe: a kiosk or an operator tool learns at start-up whether its key is accepted and, for
 * a kiosk key, which kiosk it belongs to. It names nothing the caller does not already hold.
 */
export const whoamiRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/v1/whoami',
    {
      onRequest: app.requireOperatorOrKiosk,
      schema: {
        summary: 'Who the bearer key belongs to (start-up check for kiosks and operator tools)',
        tags: ['auth'],
        security: BearerSecurity,
        response: { 200: schemaRef(WhoamiResponse), ...errorResponses(401) },
      },
    },
    async (request) =>
      request.kioskId ? { role: 'kiosk' as const, kioskId: request.kioskId } : { role: 'operator' as const },
  )
}
