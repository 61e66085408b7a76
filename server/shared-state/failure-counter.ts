import type { Redis } from 'ioredis'
import { FailureWindow } from '../../lib/failure-window.ts'

// Failed attempts per key (a credential's hash, a client address) in a fixed window: in memory on one instance,
// in Redis when instances share it, so that guessing spread over instances is counted once.

export interface FailureCount {
  /** Failures in the key's current window. */
  count: number
  /** Milliseconds until that window ends. */
  remainingMs: number
}

export interface FailureCounter {
  count(key: string): Promise<FailureCount>
  /** Records one failure; the count includes it. */
  record(key: string): Promise<FailureCount>
}

export class MemoryFailureCounter implements FailureCounter {
  private readonly window: FailureWindow

  constructor(windowMs: number, now: () => number = Date.now) {
    // The budget is the caller's; the window only counts.
    this.window = new FailureWindow(Number.POSITIVE_INFINITY, windowMs, now)
  }

  async count(key: string): Promise<FailureCount> {
    return { count: this.window.count(key), remainingMs: this.window.remainingMs(key) }
  }

  async record(key: string): Promise<FailureCount> {
    const count = this.window.record(key)
    return { count, remainingMs: this.window.remainingMs(key) }
  }
}

export class RedisFailureCounter implements FailureCounter {
  constructor(
    private readonly redis: Redis,
    private readonly windowMs: number,
    private readonly prefix = 'echannel-failures:',
  ) {}

  async count(key: string): Promise<FailureCount> {
    const [count, ttl] = await Promise.all([this.redis.get(this.prefix + key), this.redis.pttl(this.prefix + key)])
    return { count: Number(count ?? 0), remainingMs: Math.max(ttl, 0) }
  }

  async record(key: string): Promise<FailureCount> {
    const name = this.prefix + key
    // One transaction: the first failure starts the window (SET NX with its expiry), INCR keeps that expiry.
    const replies = await this.redis.multi().set(name, '0', 'PX', this.windowMs, 'NX').incr(name).pttl(name).exec()
    if (!replies || replies.some(([error]) => error)) throw new Error('redis: failure count not recorded')
    return { count: Number(replies[1]![1]), remainingMs: Math.max(Number(replies[2]![1]), 0) }
  }
}
