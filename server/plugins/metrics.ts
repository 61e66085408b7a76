import fp from 'fastify-plugin'
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client'

declare module 'fastify' {
  interface FastifyInstance {
    metrics: {
      clearanceEvents: Counter<'outcome'>
      tokensIssued: Counter
      jti: Counter<'outcome'>
      enrolments: Counter<'outcome'>
    }
  }
}

/** Prometheus metrics at /metrics, from a registry of this app's own (no process-wide singletons). */
export const metricsPlugin = fp(
  async (app) => {
    const registry = new Registry()
    collectDefaultMetrics({ register: registry })
    const duration = new Histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP request duration by route and status',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    })
    app.decorate('metrics', {
      clearanceEvents: new Counter({
        name: 'echannel_clearance_events_total',
        help: 'Clearance events received, stored or duplicate (decisions: /v1/stats)',
        labelNames: ['outcome'],
        registers: [registry],
      }),
      tokensIssued: new Counter({
        name: 'echannel_tokens_issued_total',
        help: 'QR tokens issued',
        registers: [registry],
      }),
      jti: new Counter({
        name: 'echannel_jti_total',
        help: 'Token ids presented to the replay ledger',
        labelNames: ['outcome'],
        registers: [registry],
      }),
      enrolments: new Counter({
        name: 'echannel_enrolments_total',
        help: 'Enrolment attempts by outcome code',
        labelNames: ['outcome'],
        registers: [registry],
      }),
    })
    app.addHook('onResponse', async (request, reply) => {
      const route = request.routeOptions.url ?? 'unmatched'
      duration.labels(request.method, route, String(reply.statusCode)).observe(reply.elapsedTime / 1000)
    })
    app.get('/metrics', { schema: { hide: true } }, async (_request, reply) => {
      reply.type(registry.contentType)
      return registry.metrics()
    })
  },
  { name: 'metrics' },
)
