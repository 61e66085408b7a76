import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyReply, FastifyRequest } from 'fastify'
import QRCode from 'qrcode'
import { Type } from 'typebox'
import { signToken } from '../../tokens/sign-token.ts'
import { toPublicJwk } from '../../tokens/jwks.ts'
import { hashCredential } from '../enrolment/credentials.ts'
import { AppError } from '../errors.ts'
import { bearerOf } from '../plugins/auth.ts'
import { BearerSecurity, errorResponses } from '../schemas/common.ts'
import { Jwks, TokenIdParams, TokenResponse } from '../schemas/tokens.ts'
import {
  MemoryFailureCounter,
  RedisFailureCounter,
  type FailureCount,
  type FailureCounter,
} from '../shared-state/failure-counter.ts'
import type { ResidentRecord } from '../store/store.ts'
import { schemaRef } from '../schemas/schema-ref.ts'

// Error correction M keeps a ~250-character token at QR version 11 or so: readable at arm's length.
const QR_OPTIONS = { errorCorrectionLevel: 'M' as const, margin: 4 }

const FAILURE_WINDOW_MS = 60_000

/** 429 with the seconds until the counting window that refused ends. */
function rateLimited(reply: FastifyReply, failed: FailureCount, message: string): AppError {
  reply.header('retry-after', String(Math.max(1, Math.ceil(failed.remainingMs / 1000))))
  return new AppError('RATE_LIMITED', message)
}

export const tokenRoutes: FastifyPluginAsyncTypebox = async (app) => {
  // Wrong credentials are counted per credential and per address, apart (in Redis when instances share it), with
  // the token limit as the budget of each per minute; over either, a wrong credential is answered 429. A valid
  // credential is always looked up and served: many phones share one carrier NAT address, and a guess at a
  // 256-bit value does not succeed, so the lookup is all a guesser costs. (The route's request limit, per
  // credential, already stops one credential, valid or not, after the same budget, before this handler runs.)
  const failures: FailureCounter = app.redis
    ? new RedisFailureCounter(app.redis, FAILURE_WINDOW_MS)
    : new MemoryFailureCounter(FAILURE_WINDOW_MS)
  const budget = app.config.rateLimits.tokensPerMinute

  async function residentOf(request: FastifyRequest, reply: FastifyReply): Promise<ResidentRecord> {
    const credential = bearerOf(request)
    const credentialKey = credential ? `token-credential:${hashCredential(credential)}` : null
    const resident = credential ? await app.store.getResidentByCredentialHash(hashCredential(credential)) : null
    if (resident) {
      if (resident.status !== 'active') throw new AppError('RESIDENT_REVOKED', 'resident is revoked')
      return resident
    }
    const [byAddress, byCredential] = await Promise.all([
      failures.record(`token-address:${request.ip}`),
      credentialKey ? failures.record(credentialKey) : null,
    ])
    if (byAddress.count > budget) throw rateLimited(reply, byAddress, 'too many failed attempts from this address')
    if (byCredential && byCredential.count > budget)
      throw rateLimited(reply, byCredential, 'this credential failed too often')
    throw new AppError('UNAUTHORIZED', 'resident credential required')
  }

  app.post(
    '/v1/tokens',
    {
      bodyLimit: 1024,
      // Per credential, not per address: many phones share one carrier NAT address.
      config: {
        rateLimit: {
          max: app.config.rateLimits.tokensPerMinute,
          timeWindow: '1 minute',
          keyGenerator: (request: FastifyRequest) => `token:${hashCredential(bearerOf(request) ?? request.ip)}`,
        },
      },
      schema: {
        summary: "Issue a short-lived QR token (the resident's credential as bearer)",
        tags: ['tokens'],
        security: BearerSecurity,
        response: { 201: schemaRef(TokenResponse), ...errorResponses(401, 410) },
      },
    },
    async (request, reply) => {
      const resident = await residentOf(request, reply)
      const nowSec = Math.floor(Date.now() / 1000)
      const { token, claims } = signToken(
        {
          issuer: app.config.issuer,
          audience: app.config.audience,
          subject: resident.subject,
          lifetimeSec: app.config.tokenLifetimeSec,
          nowSec,
        },
        app.signingKeys.ring().active,
      )
      app.metrics.tokensIssued.inc()
      await app.issuedTokens.put({ jti: claims.jti, subject: resident.subject, token, expiresAtSec: claims.exp })
      return reply.status(201).send({
        token,
        tokenId: claims.jti,
        expiresAt: new Date(claims.exp * 1000).toISOString(),
        qr: { png: `/v1/tokens/${claims.jti}/qr.png`, svg: `/v1/tokens/${claims.jti}/qr.svg` },
      })
    },
  )

  async function issuedTokenOf(request: FastifyRequest, reply: FastifyReply, tokenId: string): Promise<string> {
    const resident = await residentOf(request, reply)
    const issued = await app.issuedTokens.get(tokenId)
    // Another resident's token id looks exactly like an unknown one.
    if (!issued || issued.subject !== resident.subject || issued.expiresAtSec * 1000 < Date.now()) {
      throw new AppError('TOKEN_NOT_FOUND', 'no such live token')
    }
    return issued.token
  }

  const qrRouteSchema = (format: string) => ({
    summary: `The token's QR code as ${format}`,
    tags: ['tokens'],
    security: BearerSecurity,
    params: TokenIdParams,
    response: {
      200: Type.Unsafe<Buffer | string>({ type: 'string', format: 'binary' }),
      ...errorResponses(401, 404, 410),
    },
  })

  app.get('/v1/tokens/:tokenId/qr.png', { schema: qrRouteSchema('PNG') }, async (request, reply) => {
    const png = await QRCode.toBuffer(await issuedTokenOf(request, reply, request.params.tokenId), {
      ...QR_OPTIONS,
      type: 'png',
      scale: 6,
    })
    return reply.type('image/png').header('cache-control', 'no-store').send(png)
  })

  app.get('/v1/tokens/:tokenId/qr.svg', { schema: qrRouteSchema('SVG') }, async (request, reply) => {
    const svg = await QRCode.toString(await issuedTokenOf(request, reply, request.params.tokenId), {
      ...QR_OPTIONS,
      type: 'svg',
    })
    return reply.type('image/svg+xml').header('cache-control', 'no-store').send(svg)
  })

  app.get(
    '/.well-known/jwks.json',
    { schema: { summary: 'Public keys that verify QR tokens', tags: ['tokens'], response: { 200: Jwks } } },
    async (_request, reply) => {
      reply.header('cache-control', 'public, max-age=300')
      return { keys: app.signingKeys.ring().published.map(toPublicJwk) }
    },
  )
}
