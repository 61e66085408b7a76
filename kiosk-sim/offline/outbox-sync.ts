import type { ChainHead } from '../../lib/outbox-chain.ts'
import { OutboxRefusedError, ServerUnavailableError, type KioskServerClient } from '../kiosk-server-client.ts'
import type { KioskOutbox } from './outbox.ts'

export type OutboxTransport = Pick<KioskServerClient, 'postOutbox' | 'fetchOutboxHead'>

export interface SyncOptions {
  batchSize?: number
  /** Attempts per batch while the server is unreachable. */
  attempts?: number
  backoffMs?: number
}

export interface SyncReport {
  /** Entries sent, counting resends. */
  sent: number
  batches: number
  retries: number
  acknowledged: ChainHead
}

/**
 * Sends the unacknowledged tail of the outbox in seq order until the server holds all of it. A lost reply
 * costs one resend: the server acknowledges a resent prefix without storing it twice. When the server
 * says OUTBOX_GAP (it holds less than the kiosk was told, e.g. after a restore), the kiosk asks for the
 * server's head, checks it against its own chain and resends from there, once. Any other refusal
 * (a broken chain) stops the sync: it needs a person.
 */
export async function syncOutbox(
  outbox: KioskOutbox,
  transport: OutboxTransport,
  options: SyncOptions = {},
): Promise<SyncReport> {
  const batchSize = options.batchSize ?? 500
  const attempts = options.attempts ?? 5
  const backoffMs = options.backoffMs ?? 200
  const report: SyncReport = { sent: 0, batches: 0, retries: 0, acknowledged: outbox.acknowledgedHead() }
  let rewound = false
  for (let failures = 0; ;) {
    const batch = outbox.unacknowledged(batchSize)
    if (batch.length === 0) break
    try {
      report.sent += batch.length
      report.batches++
      const head = await transport.postOutbox(outbox.kioskId, batch)
      outbox.acknowledge(head)
      failures = 0
    } catch (error) {
      if (error instanceof OutboxRefusedError && error.code === 'OUTBOX_GAP' && !rewound) {
        rewound = true
        outbox.acknowledge(await transport.fetchOutboxHead(), true)
        continue
      }
      if (!(error instanceof ServerUnavailableError) || ++failures >= attempts) throw error
      report.retries++
      await new Promise((resolve) => setTimeout(resolve, backoffMs * 2 ** (failures - 1)))
    }
  }
  report.acknowledged = outbox.acknowledgedHead()
  return report
}
