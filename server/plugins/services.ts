import fp from 'fastify-plugin'
import type { FaceEngine } from '../../models/face-types.ts'
import type { AppConfig } from '../config.ts'
import { SigningKeys } from '../keys/signing-keys.ts'
import type { Store } from '../store/store.ts'
import { loadDuplicateIndex } from '../enrolment/duplicate-index.ts'
import type { TemplateChangeFeed } from '../enrolment/template-change-feed.ts'
import type { TemplateIndex } from '../enrolment/template-index.ts'
import type { Redis } from 'ioredis'
import { MemoryIssuedTokens, RedisIssuedTokens, type IssuedTokens } from '../shared-state/issued-tokens.ts'

declare module 'fastify' {
  interface FastifyInstance {
    config: AppConfig
    store: Store
    faceEngine: FaceEngine
    issuedTokens: IssuedTokens
    /** This instance's in-memory 1:N index of active templates. */
    duplicateIndex: TemplateIndex
    /** Brings the index up to date with other instances' enrolments and revocations. */
    templateChanges: TemplateChangeFeed
    /** Shared between instances when REDIS_URL is set; null on a single instance. */
    redis: Redis | null
    signingKeys: SigningKeys
  }
}

export interface ServiceDeps {
  config: AppConfig
  store: Store
  faceEngine: FaceEngine
  redis: Redis | null
  /** Close the store and engine with the app (true when the app created them). */
  ownsResources: boolean
}

/** Decorates the app with its services and closes them with it. */
export const servicesPlugin = fp<ServiceDeps>(
  async (app, deps) => {
    app.decorate('config', deps.config)
    app.decorate('store', deps.store)
    app.decorate('faceEngine', deps.faceEngine)
    app.decorate('redis', deps.redis)
    const { name, version, embeddingLength } = deps.config.faceModel
    const duplicates = await loadDuplicateIndex(deps.store, { name, version }, embeddingLength, deps.config.templateKey)
    app.decorate('duplicateIndex', duplicates.index)
    app.decorate('templateChanges', duplicates.feed)
    const issuedTokens: IssuedTokens = deps.redis ? new RedisIssuedTokens(deps.redis) : new MemoryIssuedTokens()
    app.decorate('issuedTokens', issuedTokens)
    const signingKeys = new SigningKeys(
      deps.config.signingKeys,
      deps.config.keyDirectory,
      deps.config.keyOverlapSec * 1000,
    )
    signingKeys.watch(10_000)
    app.decorate('signingKeys', signingKeys)
    app.addHook('onClose', async () => signingKeys.stop())
    if (deps.ownsResources) {
      app.addHook('onClose', async () => {
        await deps.faceEngine.close()
        await deps.store.close()
      })
    }
  },
  { name: 'services', fastify: '5.x' },
)
