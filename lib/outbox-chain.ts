// The kiosk outbox's hash chain, shared by the kiosk (which builds it) and the server (which checks it):
// hash_n = SHA-256(hash_{n-1} || "\n" || canonical({seq, event, jti})), starting from a genesis hash per kiosk.
// It makes a changed, dropped, inserted or reordered entry visible, and ties every resend to what the
// server already holds. It is not a signature: whoever controls the kiosk's disk and code before a sync
// can rebuild the unsent tail (see README, "Offline mode").
import { createHash } from 'node:crypto'

/** A token id consumed at the kiosk while the server could not be asked; the server consumes it at sync. */
export interface OfflineJtiClaim {
  iss: string
  jti: string
  /** Token expiry, epoch seconds: how long the ledger must keep it. */
  exp: number
  /** The token's opaque subject, so that the server can flag an offline approval of a revoked resident. */
  sub: string
}

export interface ChainHead {
  seq: number
  hash: string
}

export interface ChainEntry<E = unknown> {
  seq: number
  prevHash: string
  hash: string
  event: E
  jti: OfflineJtiClaim | null
}

export type ChainProblem = { code: 'OUTBOX_GAP' | 'OUTBOX_CHAIN_BROKEN'; atSeq: number }

/** JSON with object keys sorted at every depth: the same value always gives the same bytes. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value === 'boolean' || typeof value === 'string') return JSON.stringify(value)
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new TypeError('canonicalJson: non-finite number')
    return JSON.stringify(value)
  }
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`
  if (typeof value === 'object') {
    const record = value as Record<string, unknown>
    const keys = Object.keys(record)
      .filter((k) => record[k] !== undefined)
      .sort()
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(record[k])}`).join(',')}}`
  }
  throw new TypeError(`canonicalJson: unsupported ${typeof value}`)
}

/** How events name a token without carrying it: SHA-256 of iss, NUL, jti (the audit record's "hash of the jti"). */
export function jtiHash(iss: string, jti: string): string {
  return createHash('sha256').update(`${iss}\u0000${jti}`).digest('hex')
}

/** The chain's start for one kiosk: two kiosks' chains can never be spliced into each other. */
export function genesisHash(kioskId: string): string {
  return createHash('sha256').update(`echannel-outbox-genesis\n${kioskId}`).digest('hex')
}

export function entryHash(prevHash: string, seq: number, event: unknown, jti: OfflineJtiClaim | null): string {
  return createHash('sha256')
    .update(`${prevHash}\n${canonicalJson({ seq, event, jti })}`)
    .digest('hex')
}

/**
 * Checks a run of entries on its own: consecutive seqs, each linked to the one before, each hash recomputed.
 * Null when intact; otherwise the first problem. Whether the run continues the stored chain is the caller's check.
 */
export function verifyRun(entries: ReadonlyArray<ChainEntry>): ChainProblem | null {
  for (let i = 0; i < entries.length; i++) {
    const entry = entries[i]!
    const before = entries[i - 1]
    if (before && entry.seq !== before.seq + 1) return { code: 'OUTBOX_GAP', atSeq: before.seq + 1 }
    if (before && entry.prevHash !== before.hash) return { code: 'OUTBOX_CHAIN_BROKEN', atSeq: entry.seq }
    if (entryHash(entry.prevHash, entry.seq, entry.event, entry.jti) !== entry.hash)
      return { code: 'OUTBOX_CHAIN_BROKEN', atSeq: entry.seq }
  }
  return null
}

export type AppendPlan<E> =
  | { ok: false; problem: ChainProblem }
  | { ok: true; fresh: Array<ChainEntry<E>>; alreadyStored: number; head: ChainHead }

/**
 * Pure: given the stored head and the stored hashes of the seqs a (verified) run repeats, what to store.
 * A resent prefix with the same hashes is acknowledged again (a lost reply, a replayed batch); a resent
 * seq with another hash is tampering; a run that starts past head + 1 leaves a gap.
 */
export function planAppend<E>(
  head: ChainHead,
  storedHashes: ReadonlyMap<number, string>,
  entries: ReadonlyArray<ChainEntry<E>>,
): AppendPlan<E> {
  const first = entries[0]
  if (!first) return { ok: true, fresh: [], alreadyStored: 0, head }
  if (first.seq > head.seq + 1) return { ok: false, problem: { code: 'OUTBOX_GAP', atSeq: head.seq + 1 } }
  let alreadyStored = 0
  const fresh: Array<ChainEntry<E>> = []
  for (const entry of entries) {
    if (entry.seq <= head.seq) {
      if (storedHashes.get(entry.seq) !== entry.hash)
        return { ok: false, problem: { code: 'OUTBOX_CHAIN_BROKEN', atSeq: entry.seq } }
      alreadyStored++
    } else fresh.push(entry)
  }
  if (fresh.length > 0 && fresh[0]!.prevHash !== head.hash)
    return { ok: false, problem: { code: 'OUTBOX_CHAIN_BROKEN', atSeq: fresh[0]!.seq } }
  const last = fresh[fresh.length - 1]
  return { ok: true, fresh, alreadyStored, head: last ? { seq: last.seq, hash: last.hash } : head }
}
