import fp from 'fastify-plugin'
import type { FaceEngine } from '../../models/face-types.ts'
import type { SigningKey } from '../../tokens/sign-token.ts'
import type { AppConfig } from '../config.ts'
import type { Store } from '../store/store.ts'

declare module 'fastify' {
  interface FastifyInstance {
    config: AppConfig
    store: Store
    faceEngine: FaceEngine
    /** The key new tokens are signed with; every key in config.signingKeys is published. */
    activeSigningKey: SigningKey
  }
}

export interface ServiceDeps {
  config: AppConfig
  store: Store
  faceEngine: FaceEngine
  /** Close the store and engine with the app (true when the app created them). */
  ownsResources: boolean
}

/** Decorates the app with its services and closes them with it. */
export const servicesPlugin = fp<ServiceDeps>(
  async (app, deps) => {
    app.decorate('config', deps.config)
    app.decorate('store', deps.store)
    app.decorate('faceEngine', deps.faceEngine)
    app.decorate('activeSigningKey', deps.config.signingKeys[0]!)
    if (deps.ownsResources) {
      app.addHook('onClose', async () => {
        await deps.faceEngine.close()
        await deps.store.close()
      })
    }
  },
  { name: 'services', fastify: '5.x' },
)
