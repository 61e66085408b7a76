import type { KioskEvent, KioskServerClient } from './server-client.ts'

/**
 * Sends clearance events to the server in batches. A failed batch stays queued and is sent again:
 * the server ignores event ids it already has, so a retry never duplicates.
 */
export class EventReporter {
  private queue: KioskEvent[] = []
  private sent = 0
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

  add(event: KioskEvent): void {
    this.queue.push(event)
    if (this.queue.length >= this.batchSize && !this.inFlight) void this.flushOnce().catch(() => {})
  }

  /** Sends everything queued; retries with back-off until done or out of attempts. */
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
        await this.server.postEvents(batch)
        this.queue.splice(0, batch.length)
        this.sent += batch.length
      } finally {
        this.inFlight = null
      }
    })()
    return this.inFlight
  }
}
