import {
  EventsRefusedError,
  KioskNotAuthorisedError,
  type KioskEvent,
  type KioskServerClient,
} from './kiosk-server-client.ts'

/** An event the server refused, kept with the reason: a refusal is never retried, and never dropped unseen. */
export interface RefusedEvent {
  event: KioskEvent
  code: string
  message: string
}

/**
 * Sends clearance events to the server in batches. A batch that fails for an outage stays queued and is sent
 * again: the server ignores event ids it already has, so a retry never duplicates. A batch the server refuses for
 * its content (4xx) is sent again one event at a time, so that only the refused events are set aside, with the
 * server's code; a refused kiosk key (401/403) sets the whole batch aside.
 */
export class EventReporter {
  private queue: KioskEvent[] = []
  private sent = 0
  private readonly setAside: RefusedEvent[] = []
  private inFlight: Promise<void> | null = null

  constructor(
    private readonly server: Pick<KioskServerClient, 'postEvents'>,
    private readonly batchSize = 100,
  ) {}

  get pending(): number {
    return this.queue.length
  }

  get delivered(): number {
    return this.sent
  }

  /** The events the server refused so far, with its reasons. */
  get refused(): readonly RefusedEvent[] {
    return this.setAside
  }

  add(event: KioskEvent): void {
    this.queue.push(event)
    if (this.queue.length >= this.batchSize && !this.inFlight) void this.flushOnce().catch(() => {})
  }

  /** Sends everything queued; retries outages with back-off until done or out of attempts. */
  async flush(attempts = 5): Promise<void> {
    for (let attempt = 0; this.queue.length > 0 || this.inFlight; attempt++) {
      try {
        await this.flushOnce()
      } catch (error) {
        if (attempt + 1 >= attempts) throw error
        await new Promise((resolve) => setTimeout(resolve, 100 * 2 ** attempt))
      }
    }
  }

  private async flushOnce(): Promise<void> {
    if (this.inFlight) return this.inFlight
    const batch = this.queue.slice(0, this.batchSize)
    if (batch.length === 0) return
    this.inFlight = (async () => {
      try {
        await this.send(batch)
        const done = new Set(batch)
        this.queue = this.queue.filter((event) => !done.has(event))
      } finally {
        this.inFlight = null
      }
    })()
    return this.inFlight
  }

  /** Delivers a batch or sets its refused events aside; throws only for an outage (the batch stays queued). */
  private async send(batch: KioskEvent[]): Promise<void> {
    try {
      await this.server.postEvents(batch)
      this.sent += batch.length
    } catch (error) {
      if (error instanceof KioskNotAuthorisedError) {
        for (const event of batch) this.setAside.push({ event, code: error.code, message: error.message })
        return
      }
      if (!(error instanceof EventsRefusedError)) throw error
      if (batch.length === 1) {
        this.setAside.push({ event: batch[0]!, code: error.code, message: error.message })
        return
      }
      // The server takes a batch whole or not at all: one at a time finds the events it refuses.
      // Each event leaves the queue once settled, so that an outage half-way resends only the rest.
      for (const event of batch) {
        await this.send([event])
        const at = this.queue.indexOf(event)
        if (at >= 0) this.queue.splice(at, 1)
      }
    }
  }
}
