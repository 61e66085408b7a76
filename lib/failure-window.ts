/**
 * Counts failures per key in a fixed one-window bucket and says when a key is over its budget. In memory:
 * each instance counts alone (server/shared-state/failure-counter.ts shares the count through Redis).
 */
export class FailureWindow {
  private readonly buckets = new Map<string, { start: number; count: number }>()

  constructor(
    private readonly budget: number,
    private readonly windowMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  isBlocked(key: string): boolean {
    return this.count(key) >= this.budget
  }

  /** Failures of the key in its current window. */
  count(key: string): number {
    return this.current(key)?.count ?? 0
  }

  /** Records one failure; returns the key's count in its window, this one included. */
  record(key: string): number {
    const bucket = this.current(key) ?? { start: this.now(), count: 0 }
    bucket.count++
    this.buckets.set(key, bucket)
    if (this.buckets.size > 100_000) this.prune()
    return bucket.count
  }

  /** Milliseconds until the key's window ends (0 when it has none). */
  remainingMs(key: string): number {
    const bucket = this.current(key)
    return bucket ? bucket.start + this.windowMs - this.now() : 0
  }

  private current(key: string): { start: number; count: number } | null {
    const bucket = this.buckets.get(key)
    return bucket && this.now() - bucket.start < this.windowMs ? bucket : null
  }

  private prune(): void {
    for (const [key, bucket] of this.buckets) if (this.now() - bucket.start >= this.windowMs) this.buckets.delete(key)
  }
}
