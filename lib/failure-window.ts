/**
 * Counts failures per key in a fixed one-window bucket and says when a key is over its budget. In memory:
 * each instance counts alone, which still caps one address's guessing at N x budget across N instances.
 */
export class FailureWindow {
  private readonly buckets = new Map<string, { start: number; count: number }>()

  constructor(
    private readonly budget: number,
    private readonly windowMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  isBlocked(key: string): boolean {
    const bucket = this.current(key)
    return bucket !== null && bucket.count >= this.budget
  }

  record(key: string): void {
    const bucket = this.current(key) ?? { start: this.now(), count: 0 }
    bucket.count++
    this.buckets.set(key, bucket)
    if (this.buckets.size > 100_000) this.prune()
  }

  private current(key: string): { start: number; count: number } | null {
    const bucket = this.buckets.get(key)
    return bucket && this.now() - bucket.start < this.windowMs ? bucket : null
  }

  private prune(): void {
    for (const [key, bucket] of this.buckets) if (this.now() - bucket.start >= this.windowMs) this.buckets.delete(key)
  }
}
