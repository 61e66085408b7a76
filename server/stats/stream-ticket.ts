// The dashboard's stream ticket. An EventSource cannot send an Authorization header, so an operator or kiosk
// trades its bearer key for a short-lived ticket, held in an HttpOnly, SameSite=Strict cookie scoped to the
// stream's path. Pure: HMAC-SHA256 over "v1.<expSec>.<principal>.<nonce>", key derived from a secret.
import { createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto'

export const STREAM_COOKIE = 'stats_stream'
export const STREAM_TICKET_LIFETIME_SEC = 15 * 60

export interface StreamTicket {
  principal: string
  expSec: number
}

/** A key of its own for tickets (HKDF with a distinct label), so that the ticket MAC never uses the secret itself. */
export function ticketKeyFrom(secret: Uint8Array): Buffer {
  return Buffer.from(hkdfSync('sha256', secret, Buffer.alloc(0), 'echannel stats-stream ticket v1', 32))
}

export function issueTicket(
  key: Buffer,
  principal: string,
  nowSec: number,
  lifetimeSec = STREAM_TICKET_LIFETIME_SEC,
): string {
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(principal)) throw new RangeError('principal must be [A-Za-z0-9_-]{1,64}')
  const payload = `v1.${nowSec + lifetimeSec}.${principal}.${randomBytes(12).toString('base64url')}`
  return `${payload}.${mac(key, payload)}`
}

/** The ticket's holder, or null for anything forged, malformed or expired. */
export function verifyTicket(key: Buffer, ticket: string | undefined, nowSec: number): StreamTicket | null {
  if (typeof ticket !== 'string' || ticket.length > 256) return null
  const parts = ticket.split('.')
  if (parts.length !== 5 || parts[0] !== 'v1') return null
  const [, exp, principal, , sig] = parts as [string, string, string, string, string]
  const expected = Buffer.from(mac(key, parts.slice(0, 4).join('.')))
  const presented = Buffer.from(sig)
  if (presented.length !== expected.length || !timingSafeEqual(presented, expected)) return null
  const expSec = Number(exp)
  if (!/^\d{1,12}$/.test(exp) || expSec <= nowSec) return null
  return { principal, expSec }
}

/** The value of one cookie in a Cookie header, or undefined. */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined
  for (const part of header.split(';')) {
    const at = part.indexOf('=')
    if (at > 0 && part.slice(0, at).trim() === name) return part.slice(at + 1).trim()
  }
  return undefined
}

function mac(key: Buffer, payload: string): string {
  return createHmac('sha256', key).update(payload).digest('base64url')
}
