import type { Redis } from 'ioredis'

// Tokens just issued, kept only so that the resident's phone can fetch their QR (PNG or SVG) for as long as
// the token lives. Short-lived and rebuildable (a new token is one request away), so it is not in the
// database: memory for one instance, Redis when several instances share residents.

export interface IssuedToken {
  jti: string
  subject: string
  token: string
  expiresAtSec: number
}

export interface IssuedTokens {
  put(token: IssuedToken): Promise<void>
  get(jti: string): Promise<IssuedToken | null>
  close(): Promise<void>
}

export class MemoryIssuedTokens implements IssuedTokens {
  private readonly tokens = new Map<string, IssuedToken>()
  private lastSweepMs = 0

  constructor(private readonly now: () => number = Date.now) {}

  async put(token: IssuedToken): Promise<void> {
    this.sweep()
    this.tokens.set(token.jti, token)
  }

  async get(jti: string): Promise<IssuedToken | null> {
    const token = this.tokens.get(jti)
    return token && token.expiresAtSec * 1000 > this.now() ? token : null
  }

  async close(): Promise<void> {
    this.tokens.clear()
  }

  get size(): number {
    return this.tokens.size
  }

  /** At most once a second: drop expired tokens, so memory follows the live tokens, not all ever issued. */
  private sweep(): void {
    const now = this.now()
    if (now - this.lastSweepMs < 1000) return
    this.lastSweepMs = now
    for (const [jti, token] of this.tokens) if (token.expiresAtSec * 1000 <= now) this.tokens.delete(jti)
  }
}

export class RedisIssuedTokens implements IssuedTokens {
  constructor(
    private readonly redis: Redis,
    private readonly now: () => number = Date.now,
  ) {}

  async put(token: IssuedToken): Promise<void> {
    const ttlMs = token.expiresAtSec * 1000 - this.now()
    if (ttlMs > 0) await this.redis.set(`issued:${token.jti}`, JSON.stringify(token), 'PX', ttlMs)
  }

  async get(jti: string): Promise<IssuedToken | null> {
    const value = await this.redis.get(`issued:${jti}`)
    return value ? (JSON.parse(value) as IssuedToken) : null
  }

  async close(): Promise<void> {}
}
