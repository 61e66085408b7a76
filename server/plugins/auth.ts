import { createHash, timingSafeEqual } from 'node:crypto'
import fp from 'fastify-plugin'
import type { FastifyRequest } from 'fastify'
import { AppError } from '../errors.ts'

declare module 'fastify' {
  interface FastifyInstance {
    requireOperator: (request: FastifyRequest) => Promise<void>
    requireKiosk: (request: FastifyRequest) => Promise<void>
    requireOperatorOrKiosk: (request: FastifyRequest) => Promise<void>
  }
  interface FastifyRequest {
    kioskId: string | null
  }
}

const digest = (value: string) => createHash('sha256').update(value).digest()

/** Compares digests in constant time, so that neither length nor prefix of a key leaks. */
function matches(presented: Buffer, expected: Buffer[]): number {
  let found = -1
  expected.forEach((candidate, index) => {
    if (timingSafeEqual(presented, candidate)) found = index
  })
  return found
}

export function bearerOf(request: FastifyRequest): string | null {
  const header = request.headers.authorization
  if (typeof header !== 'string' || !header.startsWith('Bearer ')) return null
  const value = header.slice(7).trim()
  return value.length > 0 && value.length <= 512 ? value : null
}

export const authPlugin = fp(
  async (app) => {
    const operatorDigests = app.config.operatorKeys.map(digest)
    const kioskEntries = Object.entries(app.config.kioskKeys)
    const kioskDigests = kioskEntries.map(([, key]) => digest(key))

    const operator = (request: FastifyRequest) => {
      const bearer = bearerOf(request)
      return bearer !== null && matches(digest(bearer), operatorDigests) >= 0
    }
    const kiosk = (request: FastifyRequest) => {
      const bearer = bearerOf(request)
      if (bearer === null) return false
      const index = matches(digest(bearer), kioskDigests)
      if (index < 0) return false
      request.kioskId = kioskEntries[index]![0]
      return true
    }

    app.decorateRequest('kioskId', null)
    app.decorate('requireOperator', async (request: FastifyRequest) => {
      if (!operator(request)) throw new AppError('UNAUTHORIZED', 'operator key required')
    })
    app.decorate('requireKiosk', async (request: FastifyRequest) => {
      if (!kiosk(request)) throw new AppError('UNAUTHORIZED', 'kiosk key required')
    })
    app.decorate('requireOperatorOrKiosk', async (request: FastifyRequest) => {
      if (!operator(request) && !kiosk(request)) throw new AppError('UNAUTHORIZED', 'operator or kiosk key required')
    })
  },
  { name: 'auth', dependencies: ['services'] },
)
