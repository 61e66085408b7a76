// Synthetic decisions for outbox tests and the sync bench: realistic shapes, no face work.
import { randomBytes, randomUUID } from 'node:crypto'
import { jtiHash, type OfflineJtiClaim } from '../../lib/outbox-chain.ts'
import type { KioskOutbox } from '../offline/outbox.ts'
import type { KioskEvent } from '../kiosk-server-client.ts'

export function syntheticEvent(kioskId: string, occurredAt: number, claim: OfflineJtiClaim | null = null): KioskEvent {
  return {
    eventId: randomUUID(),
    kioskId,
    controlPoint: 'lo-wu',
    channel: 'contactless',
    decision: 'APPROVE',
    reason: null,
    score: 0.8123,
    modelVersion: 'human+faceapi-resnet@1',
    kid: 'key-1',
    jtiHash: claim ? jtiHash(claim.iss, claim.jti) : null,
    occurredAt,
    timings: {
      decodeMs: 7.1,
      verifyMs: 2.4,
      detectMs: 40.2,
      embedMs: 84.3,
      livenessMs: 9.9,
      matchMs: 0.1,
      totalMs: 144.6,
    },
  }
}

export function syntheticClaim(sub = 'synthetic-subject'): OfflineJtiClaim {
  return {
    iss: 'https://test/immd',
    jti: randomBytes(12).toString('base64url'),
    exp: Math.floor(Date.now() / 1000) + 120,
    sub,
  }
}

/**
 * Appends `count` decisions, one durable append each (as a kiosk writes them); every `claimEvery`-th carries an
 * offline token id.
 */
export function fillOutbox(outbox: KioskOutbox, count: number, claimEvery = 10): void {
  const start = Date.now() - count
  for (let i = 1; i <= count; i++) {
    const claim = claimEvery > 0 && i % claimEvery === 0 ? syntheticClaim() : null
    outbox.append(syntheticEvent(outbox.kioskId, start + i, claim), claim)
  }
}
