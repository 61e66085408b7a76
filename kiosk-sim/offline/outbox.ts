import { CodedError } from '../../lib/coded-error.ts'
import Database from 'better-sqlite3'
import {
  canonicalJson,
  entryHash,
  genesisHash,
  type ChainEntry,
  type ChainHead,
  type OfflineJtiClaim,
} from '../../lib/outbox-chain.ts'
import type { KioskEvent } from '../kiosk-server-client.ts'

export type OutboxEntry = ChainEntry<KioskEvent>

/** The outbox file belongs to another kiosk. */
export class OutboxMismatchError extends CodedError<'OUTBOX_MISMATCH'> {
  constructor(message: string) {
    super('OUTBOX_MISMATCH', message)
  }
}

interface EntryRow {
  seq: number
  prev_hash: string
  hash: string
  event: string
  jti: string | null
}

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS outbox_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT;
  CREATE TABLE IF NOT EXISTS outbox (
    seq INTEGER PRIMARY KEY CHECK (seq >= 1),
    event_id TEXT NOT NULL UNIQUE,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL,
    event TEXT NOT NULL,
    jti TEXT,
    occurred_at INTEGER NOT NULL
  ) STRICT;
  CREATE INDEX IF NOT EXISTS outbox_occurred_at ON outbox (occurred_at);
  CREATE TABLE IF NOT EXISTS seen_jti (jti_hash TEXT PRIMARY KEY, expires_at INTEGER NOT NULL) STRICT;
  CREATE INDEX IF NOT EXISTS seen_jti_expires_at ON seen_jti (expires_at);
`

/**
 * The kiosk's durable record of its decisions: one SQLite file (WAL, synchronous=FULL, so an append that
 * returned survives power loss). Each append takes the next seq and extends the hash chain in one
 * transaction. It also keeps the token ids this kiosk has consumed (as hashes), its local replay ledger.
 */
export class KioskOutbox {
  private readonly db: Database.Database
  readonly kioskId: string

  constructor(path: string, kioskId: string) {
    this.kioskId = kioskId
    this.db = new Database(path)
    this.db.pragma('journal_mode = WAL')
    this.db.pragma('synchronous = FULL')
    this.db.pragma('busy_timeout = 5000')
    this.db.exec(SCHEMA)
    this.sql(
      `INSERT INTO outbox_meta (key, value) VALUES ('kiosk_id', ?), ('acked_seq', '0') ON CONFLICT (key) DO NOTHING`,
    ).run(kioskId)
    const owner = this.meta('kiosk_id')
    // One chain per kiosk: a file copied to another kiosk would fork both chains.
    if (owner !== kioskId) {
      this.db.close()
      throw new OutboxMismatchError(`outbox file belongs to kiosk ${owner}`)
    }
  }

  /** Appends one decision; durable when this returns. */
  append(event: KioskEvent, jti: OfflineJtiClaim | null): OutboxEntry {
    const insert = this.db.transaction((): OutboxEntry => {
      const head = this.head()
      const seq = head.seq + 1
      const hash = entryHash(head.hash, seq, event, jti)
      this.sql(
        'INSERT INTO outbox (seq, event_id, prev_hash, hash, event, jti, occurred_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
      ).run(
        seq,
        event.eventId,
        head.hash,
        hash,
        canonicalJson(event),
        jti ? canonicalJson(jti) : null,
        event.occurredAt,
      )
      return { seq, prevHash: head.hash, hash, event, jti }
    })
    return insert.immediate()
  }

  /** Local replay ledger: true the first time this kiosk sees the token id. Expired ids are dropped as it goes. */
  rememberJti(jtiHash: string, expiresAtSec: number, nowMs: number): boolean {
    this.sql('DELETE FROM seen_jti WHERE expires_at < ?').run(Math.floor(nowMs / 1000) - 3600)
    return (
      this.sql('INSERT INTO seen_jti (jti_hash, expires_at) VALUES (?, ?) ON CONFLICT (jti_hash) DO NOTHING').run(
        jtiHash,
        expiresAtSec,
      ).changes === 1
    )
  }

  head(): ChainHead {
    const row = this.sql('SELECT seq, hash FROM outbox ORDER BY seq DESC LIMIT 1').get() as ChainHead | undefined
    return row ?? { seq: 0, hash: genesisHash(this.kioskId) }
  }

  acknowledgedSeq(): number {
    return Number(this.meta('acked_seq'))
  }

  acknowledgedHead(): ChainHead {
    const seq = this.acknowledgedSeq()
    if (seq === 0) return { seq, hash: genesisHash(this.kioskId) }
    return { seq, hash: this.sql('SELECT hash FROM outbox WHERE seq = ?').pluck().get(seq) as string }
  }

  /** Entries the server has not acknowledged, oldest first. */
  unacknowledged(limit: number): OutboxEntry[] {
    return this.entries(this.acknowledgedSeq() + 1, limit)
  }

  /** Up to `limit` entries from `fromSeq` on, as stored (and as sent). */
  entries(fromSeq: number, limit: number): OutboxEntry[] {
    const rows = this.sql(
      'SELECT seq, prev_hash, hash, event, jti FROM outbox WHERE seq >= ? ORDER BY seq LIMIT ?',
    ).all(fromSeq, limit) as EntryRow[]
    return rows.map((row) => ({
      seq: row.seq,
      prevHash: row.prev_hash,
      hash: row.hash,
      event: JSON.parse(row.event),
      jti: row.jti ? JSON.parse(row.jti) : null,
    }))
  }

  pendingCount(): number {
    return this.sql('SELECT count(*) FROM outbox WHERE seq > ?').pluck().get(this.acknowledgedSeq()) as number
  }

  /**
   * Records the server's acknowledged head. It must name an entry of this chain with the same hash:
   * anything else means the server holds another history, which no retry can fix.
   * `allowRewind` accepts a head behind the current one (a server restored from a backup).
   */
  acknowledge(head: ChainHead, allowRewind = false): void {
    const local =
      head.seq === 0
        ? genesisHash(this.kioskId)
        : (this.sql('SELECT hash FROM outbox WHERE seq = ?').pluck().get(head.seq) as string | undefined)
    if (local !== head.hash) throw new OutboxMismatchError(`server head seq ${head.seq} does not match the local chain`)
    if (head.seq < this.acknowledgedSeq() && !allowRewind) return
    this.sql(`UPDATE outbox_meta SET value = ? WHERE key = 'acked_seq'`).run(String(head.seq))
  }

  /** occurredAt of the newest entry: the wall clock must never be found before it again. */
  lastOccurredAt(): number | null {
    return (this.sql('SELECT max(occurred_at) FROM outbox').pluck().get() as number | null) ?? null
  }

  close(): void {
    if (this.db.open) this.db.close()
  }

  private readonly statements = new Map<string, Database.Statement>()

  /** Prepared once per SQL text. */
  private sql(text: string): Database.Statement {
    let statement = this.statements.get(text)
    if (!statement) {
      statement = this.db.prepare(text)
      this.statements.set(text, statement)
    }
    return statement
  }

  private meta(key: string): string | undefined {
    return this.sql('SELECT value FROM outbox_meta WHERE key = ?').pluck().get(key) as string | undefined
  }
}
