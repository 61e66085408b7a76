import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { statsReport } from '../stats/stats-report.ts'
import { BearerSecurity, errorResponses } from '../schemas/common.ts'
import { StatsQuery, StatsResponse } from '../schemas/stats.ts'

export const statsRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/v1/stats',
    {
      onRequest: app.requireOperatorOrKiosk,
      schema: {
        summary: 'Throughput, decisions and reasons, latency percentiles, contactless share',
        tags: ['stats'],
        security: BearerSecurity,
        querystring: StatsQuery,
        response: { 200: StatsResponse, ...errorResponses(401) },
      },
    },
    async (request) => {
      const { window = 'all', kioskId, controlPoint } = request.query
      return (await statsReport(app.store, window, { kioskId, controlPoint }, Date.now())).report
    },
  )
}
