// Two JWS rules jsonwebtoken does not enforce, checked before the library sees the token.

/**
 * RFC 7515 §4.1.11: a recipient must refuse a token whose `crit` header lists an extension it does not
 * understand. The gate understands none, so any `crit` (even an empty or malformed one) is refused.
 */
export function hasCriticalHeader(header: object): boolean {
  return Object.hasOwn(header, 'crit')
}

const UTF8 = new TextDecoder('utf-8', { fatal: true })

/**
 * The header and the payload must decode to UTF-8 text (RFC 7515 §5.2, RFC 7519 §7.2). jsonwebtoken decodes them
 * with replacement characters, so invalid bytes inside a claim would otherwise pass as U+FFFD.
 */
export function segmentsAreUtf8(token: string): boolean {
  const [header, payload] = token.split('.')
  try {
    for (const segment of [header ?? '', payload ?? '']) UTF8.decode(Buffer.from(segment, 'base64url'))
    return true
  } catch {
    return false
  }
}
