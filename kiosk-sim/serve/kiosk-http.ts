// The kiosk's own HTTP face, for its screen: POST /frames (one JPEG camera frame) and GET /state.
// It listens on 127.0.0.1 only, and answers browsers from one origin only: the server that serves /kiosk.
// The kiosk is its own trust domain; it reaches the server with its kiosk key, which never leaves this process.
import Fastify from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import type { BrowserGate } from './browser-gate.ts'

export interface KioskHttpOptions {
  gate: Pick<BrowserGate, 'onFrame' | 'state'>
  /** The one browser origin allowed to post frames and read the state, e.g. http://127.0.0.1:8080. */
  allowedOrigin: string
  maxFrameBytes?: number
}

const PublicStateSchema = Type.Object(
  {
    phase: Type.Union([
      Type.Literal('WAITING_FOR_QR'),
      Type.Literal('VERIFYING'),
      Type.Literal('CAPTURING_FACE'),
      Type.Literal('CHALLENGING'),
      Type.Literal('DECIDED'),
    ]),
    decision: Type.Union([
      Type.Literal('APPROVE'),
      Type.Literal('REJECT'),
      Type.Literal('REFER_TO_OFFICER'),
      Type.Null(),
    ]),
    /** What the traveller is asked to do now (the liveness challenge), or null. */
    instruction: Type.Union([Type.String(), Type.Null()]),
    decisionSeq: Type.Integer(),
    frameMs: Type.Union([Type.Number(), Type.Null()]),
    skipped: Type.Boolean(),
  },
  { additionalProperties: false },
)
const ErrorSchema = Type.Object({ error: Type.Object({ code: Type.String(), message: Type.String() }) })

export async function buildKioskHttp(options: KioskHttpOptions) {
  const allowed = new URL(options.allowedOrigin).origin
  const app = Fastify({
    logger: false,
    bodyLimit: options.maxFrameBytes ?? 4 * 1024 * 1024,
  }).withTypeProvider<TypeBoxTypeProvider>()
  // Images only: JSON and text bodies are not frames.
  app.removeAllContentTypeParsers()
  app.addContentTypeParser(['image/jpeg', 'image/png', 'image/webp'], { parseAs: 'buffer' }, (_request, body, done) =>
    done(null, body),
  )

  // CORS for exactly one origin; a request that names another origin is refused outright (fail closed).
  app.addHook('onRequest', async (request, reply) => {
    const origin = request.headers.origin
    reply.header('vary', 'Origin').header('cache-control', 'no-store').header('x-content-type-options', 'nosniff')
    if (origin === undefined) return
    if (origin !== allowed) return reply.code(403).send({ error: { code: 'FORBIDDEN', message: 'origin not allowed' } })
    reply.header('access-control-allow-origin', allowed)
    if (request.method === 'OPTIONS') {
      reply
        .header('access-control-allow-methods', 'GET, POST')
        .header('access-control-allow-headers', 'content-type')
        .header('access-control-max-age', '600')
      if (request.headers['access-control-request-private-network'] === 'true')
        reply.header('access-control-allow-private-network', 'true')
      return reply.code(204).send()
    }
  })
  app.options('/frames', { schema: { hide: true } }, async (_request, reply) => reply.code(204).send())
  app.options('/state', { schema: { hide: true } }, async (_request, reply) => reply.code(204).send())

  app.post(
    '/frames',
    {
      schema: {
        response: { 200: PublicStateSchema, 400: ErrorSchema, 403: ErrorSchema, 413: ErrorSchema, 415: ErrorSchema },
      },
    },
    async (request, reply) => {
      const body = request.body
      if (!Buffer.isBuffer(body) || body.length === 0)
        return reply
          .code(400)
          .send({ error: { code: 'VALIDATION_FAILED', message: 'a JPEG, PNG or WebP frame is required' } })
      return options.gate.onFrame(new Uint8Array(body.buffer, body.byteOffset, body.byteLength))
    },
  )
  app.get('/state', { schema: { response: { 200: PublicStateSchema, 403: ErrorSchema } } }, async () =>
    options.gate.state(),
  )
  app.setErrorHandler((error: { statusCode?: number; code?: string }, _request, reply) => {
    const status = error.statusCode && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500
    const code =
      status === 413
        ? 'PAYLOAD_TOO_LARGE'
        : status === 415
          ? 'UNSUPPORTED_MEDIA_TYPE'
          : status === 500
            ? 'INTERNAL_ERROR'
            : 'VALIDATION_FAILED'
    return reply.code(status).send({ error: { code, message: code.toLowerCase().replaceAll('_', ' ') } })
  })
  return app
}
