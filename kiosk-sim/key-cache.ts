import type { KeyObject } from 'node:crypto'
import { keysFromJwks } from '../tokens/jwks.ts'

/** Signing keys fetched from the server's JWKS, with their age: the kiosk refuses to work on stale keys. */
export class KeyCache {
  private keys = new Map<string, KeyObject>()
  private fetchedAtMs = -Infinity

  constructor(
    private readonly fetchJwks: () => Promise<unknown>,
    /** Oldest key set the kiosk will verify with. */
    private readonly maxAgeMs: number,
  ) {}

  get current(): ReadonlyMap<string, KeyObject> {
    return this.keys
  }

  isFresh(nowMs: number): boolean {
    return this.keys.size > 0 && nowMs - this.fetchedAtMs <= this.maxAgeMs
  }

  /** Refreshes when older than half the allowed age, so that a short outage does not stop the gate. */
  async refreshIfDue(nowMs: number): Promise<void> {
    if (nowMs - this.fetchedAtMs < this.maxAgeMs / 2) return
    await this.refresh(nowMs)
  }

  /**
   * A token under a kid the kiosk has not seen may follow a rotation: refetch, but at most once per
   * `minIntervalMs`, so that a flood of forged kids cannot turn the kiosk into a JWKS hammer.
   */
  async refreshForUnknownKid(kid: string, nowMs: number, minIntervalMs = 30_000): Promise<boolean> {
    if (this.keys.has(kid) || nowMs - this.fetchedAtMs < minIntervalMs) return false
    await this.refresh(nowMs)
    return this.keys.has(kid)
  }

  async refresh(nowMs: number): Promise<void> {
    try {
      const keys = keysFromJwks(await this.fetchJwks())
      if (keys.size > 0) {
        this.keys = keys
        this.fetchedAtMs = nowMs
      }
    } catch {
      // Keep the old set; isFresh() decides whether it may still be used.
    }
  }
}
