import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { computeStats } from '../stats/clearance-stats.ts'
import { BearerSecurity, errorResponses } from '../schemas/common.ts'
import { StatsQuery, StatsResponse } from '../schemas/stats.ts'

const WINDOW_MS = { minute: 60_000, hour: 3_600_000, day: 86_400_000 } as const

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
      const now = Date.now()
      const since = window === 'all' ? 0 : now - WINDOW_MS[window]
      const events = (await app.store.listEvents(since)).filter(
        (e) => (!kioskId || e.kioskId === kioskId) && (!controlPoint || e.controlPoint === controlPoint),
      )
      const from = window === 'all' ? (events[0]?.occurredAt ?? now) : since
      const stats = computeStats(events, from, now)
      // NaN percentiles of an empty window travel as null.
      return JSON.parse(JSON.stringify({ ...stats, window: { name: window, ...stats.window } }))
    },
  )
}
