import type { ServerContact } from './clock-trust.ts'
import type { RevocationList } from '../kiosk-server-client.ts'

/**
 * The last revocation list the kiosk fetched. Each successful fetch is also the kiosk's clock reference:
 * the list's generatedAt (server clock) beside the kiosk's monotonic clock when the reply arrived.
 */
export class RevocationCache {
  private revoked = new Set<string>()
  private generatedAtMs: number | null = null
  private contactPoint: ServerContact | null = null
  private lastAttemptMs = -Infinity

  constructor(
    private readonly fetchList: () => Promise<RevocationList>,
    private readonly monotonic: () => number,
    /** Refetch when the list is older than this (monotonic). */
    private readonly refreshEveryMs: number,
    /** At most one attempt per this interval while the server does not answer, so passengers do not wait on it. */
    private readonly retryEveryMs = 10_000,
  ) {}

  get contact(): ServerContact | null {
    return this.contactPoint
  }

  get generatedAt(): number | null {
    return this.generatedAtMs
  }

  isRevoked(subject: string): boolean {
    return this.revoked.has(subject)
  }

  async refreshIfDue(): Promise<void> {
    const now = this.monotonic()
    const fresh = this.contactPoint !== null && now - this.contactPoint.monotonicMs < this.refreshEveryMs
    if (fresh || now - this.lastAttemptMs < this.retryEveryMs) return
    await this.refresh()
  }

  /** True when a list arrived; a failure keeps the old list, and the offline policy judges its age. */
  async refresh(): Promise<boolean> {
    this.lastAttemptMs = this.monotonic()
    try {
      const list = await this.fetchList()
      if (!Number.isSafeInteger(list.generatedAt) || !Array.isArray(list.revokedSubjects)) return false
      this.revoked = new Set(list.revokedSubjects)
      this.generatedAtMs = list.generatedAt
      this.contactPoint = { serverTimeMs: list.generatedAt, monotonicMs: this.monotonic() }
      return true
    } catch {
      return false
    }
  }
}
