import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'

export const healthRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/health',
    {
      schema: {
        summary: 'Liveness and readiness',
        tags: ['health'],
        response: {
          200: Type.Object({
            status: Type.Literal('ok'),
            model: Type.Object({ name: Type.String(), version: Type.String() }),
            events: Type.Integer(),
          }),
        },
      },
    },
    async () => ({ status: 'ok' as const, model: app.faceEngine.model, events: await app.store.countEvents() }),
  )
}
