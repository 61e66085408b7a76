// A kiosk with offline mode against the real app, whose link to the server the test can cut, and whose
// wall and monotonic clocks the test can move apart.
import { join } from 'node:path'
import type { ChainEntry, ChainHead } from '../../lib/outbox-chain.ts'
import { KeyCache } from '../../kiosk-sim/key-cache.ts'
import { OfflineMode } from '../../kiosk-sim/offline/offline-mode.ts'
import { DEFAULT_OFFLINE_LIMITS, type OfflineLimits } from '../../kiosk-sim/offline/offline-policy.ts'
import { KioskOutbox } from '../../kiosk-sim/offline/outbox.ts'
import { RevocationCache } from '../../kiosk-sim/offline/revocation-cache.ts'
import { TemplateCache } from '../../kiosk-sim/offline/template-cache.ts'
import { clearPassenger } from '../../kiosk-sim/gate/clear-passenger.ts'
import type { GateDeps } from '../../kiosk-sim/gate/gate-deps.ts'
import type { ClearanceRecord } from '../../kiosk-sim/gate/clearance-record.ts'
import {
  KioskNotAuthorisedError,
  KioskServerClient,
  ServerUnavailableError,
  type KioskEvent,
  type RevocationList,
  type TemplateReply,
} from '../../kiosk-sim/kiosk-server-client.ts'
import { renderPhoneFrame } from '../../kiosk-sim/sources/phone-frame.ts'
import { hkidCheckDigit } from '../../contract/hkid.ts'
import type { App } from '../../server/app.ts'
import { signToken, type SigningKey } from '../../tokens/sign-token.ts'
import { gateTokenPolicy } from '../../tokens/token-profile.ts'
import { fakeFaceEngine, photoOf } from './fake-engine.ts'
import { testThresholds } from './faces.ts'
import { operator, testConfig } from './test-app.ts'

/** The server as the kiosk sees it, with a switch: when `down`, every call fails as a dead network would. */
export class SwitchableClient extends KioskServerClient {
  down = false
  /** The server answers, but refuses this kiosk (its key withdrawn). */
  refused = false

  private check(): void {
    if (this.down) throw new ServerUnavailableError('link down (test)')
    if (this.refused) throw new KioskNotAuthorisedError('kiosk key withdrawn (test)')
  }
  override async fetchJwks(): Promise<unknown> {
    this.check()
    return super.fetchJwks()
  }
  override async consumeJti(iss: string, jti: string, exp: number): Promise<boolean> {
    this.check()
    return super.consumeJti(iss, jti, exp)
  }
  override async fetchTemplate(subject: string): Promise<TemplateReply> {
    this.check()
    return super.fetchTemplate(subject)
  }
  override async fetchRevocations(): Promise<RevocationList> {
    this.check()
    return super.fetchRevocations()
  }
  override async postOutbox(kioskId: string, entries: ReadonlyArray<ChainEntry<KioskEvent>>): Promise<ChainHead> {
    this.check()
    return super.postOutbox(kioskId, entries)
  }
}

/** Wall and monotonic clocks that run with real time, each with an offset the test can move. */
export class TestClocks {
  wallOffsetMs = 0
  monotonicOffsetMs = 0
  wall = () => Date.now() + this.wallOffsetMs
  monotonic = () => performance.now() + this.monotonicOffsetMs
  /** Time passing: both clocks move together. */
  advance(ms: number): void {
    this.wallOffsetMs += ms
    this.monotonicOffsetMs += ms
  }
}

export const DEFAULT_TEST_LIMITS: OfflineLimits = DEFAULT_OFFLINE_LIMITS

export interface OfflineKiosk {
  client: SwitchableClient
  offline: OfflineMode
  outbox: KioskOutbox
  revocations: RevocationCache
  deps: GateDeps
  present(token: string, axis: number): Promise<ClearanceRecord>
}

let seed = 1

export function offlineKiosk(options: {
  url: string
  kioskId: string
  kioskKey: string
  dir: string
  clocks: TestClocks
  limits?: OfflineLimits
}): OfflineKiosk {
  const client = new SwitchableClient(options.url, options.kioskKey)
  const outbox = new KioskOutbox(join(options.dir, `${options.kioskId}-outbox.db`), options.kioskId)
  const revocations = new RevocationCache(() => client.fetchRevocations(), options.clocks.monotonic, 60_000, 0)
  const offline = new OfflineMode({
    outbox,
    revocations,
    templates: new TemplateCache(100),
    limits: options.limits ?? DEFAULT_TEST_LIMITS,
    monotonic: options.clocks.monotonic,
  })
  const deps: GateDeps = {
    engine: fakeFaceEngine(),
    server: client,
    keys: new KeyCache(() => client.fetchJwks(), 15 * 60_000),
    policy: testThresholds,
    tokenPolicy: gateTokenPolicy(testConfig().issuer, testConfig().audience),
    identity: { kioskId: options.kioskId, controlPoint: 'lo-wu' },
    now: options.clocks.wall,
    offline,
  }
  return {
    client,
    offline,
    outbox,
    revocations,
    deps,
    async present(token, axis) {
      const qrFrame = await renderPhoneFrame(token, { seed: seed++, difficulty: 'clean' })
      return clearPassenger({ qrFrame, faceFrame: Buffer.from(JSON.stringify({ faces: [{ axis }] })) }, deps)
    },
  }
}

export function hkid(n: number): string {
  const digits = String(300000 + n).slice(-6)
  return `E${digits}(${hkidCheckDigit('E', digits)})`
}

/** Enrols a resident whose face is `axis`; returns the ids a test needs (the subject from an issued token). */
export async function enrol(app: App, n: number, axis: number): Promise<{ residentId: string; subject: string }> {
  const residentId = hkid(n)
  const res = await app.inject({
    method: 'POST',
    url: '/v1/residents',
    headers: operator,
    payload: { residentId, name: 'Chan Tai Man', dateOfBirth: '1990-05-01', photo: photoOf([{ axis }]) },
  })
  if (res.statusCode !== 201) throw new Error(`enrolment: ${res.statusCode} ${res.body}`)
  const issued = await app.inject({
    method: 'POST',
    url: '/v1/tokens',
    headers: { authorization: `Bearer ${res.json().credential}` },
  })
  const subject = JSON.parse(Buffer.from((issued.json().token as string).split('.')[1]!, 'base64url').toString())
    .sub as string
  return { residentId, subject }
}

/** A token for `subject` signed with the server's key, issued at `nowMs` on the kiosk's (possibly moved) clock. */
export function tokenAt(key: SigningKey, subject: string, nowMs: number, lifetimeSec = 120): string {
  return signToken(
    {
      issuer: testConfig().issuer,
      audience: testConfig().audience,
      subject,
      lifetimeSec,
      nowSec: Math.floor(nowMs / 1000),
    },
    key,
  ).token
}

export async function revoke(app: App, residentId: string): Promise<void> {
  const res = await app.inject({
    method: 'DELETE',
    url: `/v1/residents/${encodeURIComponent(residentId)}`,
    headers: operator,
  })
  if (res.json().status !== 'revoked') throw new Error(`revoke: ${res.statusCode} ${res.body}`)
}
