// Logs are evidence and are read by more people than the resident database: no identity card number reaches
// them. A resident's id in a logged URL (GET/DELETE /v1/residents/:id, POST /v1/residents/:id/credential) is
// replaced by a keyed hash, the same for every spelling of one number, so that a resident's requests can still be
// followed; any other text shaped like an HKID in a URL or an error is masked.
import { createHmac, hkdfSync } from 'node:crypto'
import type { FastifyRequest } from 'fastify'
import { parseHkid } from '../contract/hkid.ts'

/** One or two letters, six digits, a check digit, brackets or not, raw or percent-encoded, any case. */
const HKID_SHAPE = /(?<![A-Za-z0-9])[A-Za-z]{1,2}[0-9]{6}(?:\(|%28)?[0-9Aa](?:\)|%29)?(?![A-Za-z0-9])/gi
const RESIDENT_PATH = /^(\/v1\/residents\/)([^/?#]+)/

export const HKID_MASK = '[hkid]'

export function maskHkids(text: string): string {
  return text.replace(HKID_SHAPE, HKID_MASK)
}

/** Derives the log key from the template key (HKDF): one secret to keep, neither key recoverable from the other. */
export function logKeyFrom(templateKey: Buffer): Buffer {
  return Buffer.from(hkdfSync('sha256', templateKey, Buffer.alloc(0), 'echannel log reference v1', 32))
}

/** `ref:` and 16 hex characters: HMAC-SHA256 of the canonical number (of the raw text when it is not one). */
export function residentLogRef(logKey: Buffer, residentId: string): string {
  const canonical = parseHkid(residentId)?.canonical ?? residentId.toUpperCase()
  return `ref:${createHmac('sha256', logKey).update(canonical).digest('hex').slice(0, 16)}`
}

export function redactUrl(url: string, logKey: Buffer): string {
  const withRef = url.replace(RESIDENT_PATH, (_, prefix: string, segment: string) => {
    return prefix + residentLogRef(logKey, safeDecode(segment))
  })
  return maskHkids(withRef)
}

/** Pino serializers for Fastify's logger: the request without the id, an error without one in its text. */
export function redactingSerializers(logKey: Buffer) {
  return {
    req: (request: FastifyRequest) => ({
      method: request.method,
      url: redactUrl(request.url, logKey),
      host: request.host,
      remoteAddress: request.ip,
      remotePort: request.socket?.remotePort,
    }),
    err: (error: unknown): { type: string; message: string; stack: string; [key: string]: unknown } => {
      if (!error || typeof error !== 'object')
        return { type: typeof error, message: maskHkids(String(error)), stack: '' }
      const e = error as { name?: unknown; message?: unknown; stack?: unknown; code?: unknown; detail?: unknown }
      const text = (value: unknown) => (typeof value === 'string' ? maskHkids(value) : '')
      return {
        type: text(e.name) || (error.constructor?.name ?? 'Object'),
        message: text(e.message),
        stack: text(e.stack),
        ...(typeof e.code === 'string' || typeof e.code === 'number' ? { code: e.code } : {}),
        ...(typeof e.detail === 'string' ? { detail: maskHkids(e.detail) } : {}),
      }
    },
  }
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment)
  } catch {
    return segment
  }
}
