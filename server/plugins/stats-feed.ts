import { EventEmitter } from 'node:events'
import fp from 'fastify-plugin'

declare module 'fastify' {
  interface FastifyInstance {
    /** Tells live dashboards that clearance events were stored on this instance. */
    statsFeed: StatsFeed
  }
}

export interface StatsFeed {
  changed(): void
  /** Calls `listener` after each change; returns the unsubscribe function. */
  subscribe(listener: () => void): () => void
}

export const statsFeedPlugin = fp(
  async (app) => {
    const emitter = new EventEmitter()
    emitter.setMaxListeners(0)
    app.decorate('statsFeed', {
      changed: () => void emitter.emit('changed'),
      subscribe(listener: () => void) {
        emitter.on('changed', listener)
        return () => void emitter.off('changed', listener)
      },
    } satisfies StatsFeed)
  },
  { name: 'stats-feed' },
)
