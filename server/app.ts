import Fastify, { type FastifyServerOptions } from 'fastify'
import { Redis } from 'ioredis'
import multipart from '@fastify/multipart'
import rateLimit from '@fastify/rate-limit'
import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { startFaceEngine } from '../models/face-engine.ts'
import type { FaceEngine } from '../models/face-types.ts'
import { validateConfig, type AppConfig } from './config.ts'
import { logKeyFrom, redactingSerializers } from './log-redaction.ts'
import { MAX_ENROLMENT_PHOTOS } from './schemas/residents.ts'
import { NAMED_SCHEMAS } from './schemas/named-schemas.ts'
import { authPlugin } from './plugins/auth.ts'
import { errorHandlerPlugin } from './plugins/error-handler.ts'
import { metricsPlugin } from './plugins/metrics.ts'
import { servicesPlugin } from './plugins/services.ts'
import { statsFeedPlugin } from './plugins/stats-feed.ts'
import { adminKeyRoutes } from './routes/admin-keys.ts'
import { healthRoutes } from './routes/health.ts'
import { kioskRoutes } from './routes/kiosk.ts'
import { outboxRoutes } from './routes/outbox.ts'
import { residentRoutes } from './routes/residents.ts'
import { statsRoutes } from './routes/stats.ts'
import { statsStreamRoutes } from './routes/stats-stream.ts'
import { tokenRoutes } from './routes/tokens.ts'
import { webRoutes } from './routes/web.ts'
import { whoamiRoutes } from './routes/whoami.ts'
import { openStore } from './store/open-store.ts'
import type { Store } from './store/store.ts'

export interface AppDeps {
  /** Injected in tests; otherwise the app opens its own and closes it with itself. */
  store?: Store
  faceEngine?: FaceEngine
  logger?: FastifyServerOptions['logger']
}

/** Builds the service; never listens. The same options serve production and tests. */
export async function buildApp(config: AppConfig, deps: AppDeps = {}) {
  validateConfig(config)
  const app = Fastify({
    logger: loggerOptions(config, deps.logger),
    requestTimeout: 30_000,
    connectionTimeout: 10_000,
    bodyLimit: 64 * 1024,
    onProtoPoisoning: 'error',
    onConstructorPoisoning: 'error',
    genReqId: () => crypto.randomUUID(),
    // No type coercion: a body must carry the right types ("exp": "4000000000" is refused, not converted).
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, useDefaults: true } },
    // Malformed URLs and the like get our error body too, not Fastify's (which echoes the URL).
    frameworkErrors: (_error, request, reply) => {
      const plain = reply as unknown as { code(n: number): { type(t: string): { send(b: string): void } } }
      plain
        .code(400)
        .type('application/json')
        .send(
          JSON.stringify({ error: { code: 'VALIDATION_FAILED', message: 'malformed request', requestId: request.id } }),
        )
    },
  }).withTypeProvider<TypeBoxTypeProvider>()
  app.server.headersTimeout = 10_000

  const ownsResources = !deps.store || !deps.faceEngine
  const store = deps.store ?? openStore(config)
  await store.migrate()
  const faceEngine = deps.faceEngine ?? (await startFaceEngine({ workers: 1, backend: config.faceBackend }))
  const redis = config.redisUrl
    ? new Redis(config.redisUrl, { lazyConnect: false, maxRetriesPerRequest: 2, enableOfflineQueue: true })
    : null
  if (redis) app.addHook('onClose', async () => void (await redis.quit()))

  await app.register(servicesPlugin, { config, store, faceEngine, redis, ownsResources })
  await app.register(errorHandlerPlugin)
  await app.register(authPlugin)
  await app.register(metricsPlugin)
  await app.register(statsFeedPlugin)
  // Shared counters when instances share Redis; otherwise each instance counts alone.
  await app.register(rateLimit, { global: false, ...(redis ? { redis, nameSpace: 'echannel-rl:' } : {}) })
  // No attachFieldsToBody: the enrolment route reads its parts itself (enrolment/multipart-enrolment.ts).
  await app.register(multipart, {
    limits: { fileSize: config.photoBodyLimitBytes, files: MAX_ENROLMENT_PHOTOS, fields: 8, fieldSize: 1024 },
  })
  for (const schema of NAMED_SCHEMAS) app.addSchema(schema)
  await app.register(swagger, {
    openapi: {
      info: { title: 'Contactless e-Channel simulator', version: '0.1.0' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
    },
    // components.schemas keyed by each schema's $id (ErrorBody, TokenResponse, ...), not def-0, def-1.
    refResolver: {
      buildLocalReference: (json, _baseUri, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`),
    },
  })
  await app.register(swaggerUi, { routePrefix: '/docs' })

  await app.register(healthRoutes)
  await app.register(residentRoutes, { embeddingLength: config.faceModel.embeddingLength })
  await app.register(tokenRoutes)
  await app.register(kioskRoutes)
  await app.register(outboxRoutes)
  await app.register(statsRoutes)
  await app.register(statsStreamRoutes)
  await app.register(webRoutes)
  await app.register(adminKeyRoutes)
  await app.register(whoamiRoutes)
  return app
}

export type App = Awaited<ReturnType<typeof buildApp>>

/** The caller's level and stream (tests capture lines), always with the redaction: no bearer key, no HKID. */
function loggerOptions(config: AppConfig, given: AppDeps['logger']): FastifyServerOptions['logger'] {
  if (given === false) return false
  const base = typeof given === 'object' ? given : { level: config.logLevel }
  const serializers = { ...base.serializers, ...redactingSerializers(logKeyFrom(config.templateKey)) }
  return { ...base, redact: ['req.headers.authorization'], serializers }
}
