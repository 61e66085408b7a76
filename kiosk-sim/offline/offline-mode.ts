import type { OfflineJtiClaim } from '../../lib/outbox-chain.ts'
import type { Admission, AdmissionInput, OfflinePort } from '../gate/offline-port.ts'
import type { KioskEvent } from '../kiosk-server-client.ts'
import { offlineVerdict, type OfflineLimits } from './offline-policy.ts'
import type { KioskOutbox } from './outbox.ts'
import type { RevocationCache } from './revocation-cache.ts'
import type { TemplateCache } from './template-cache.ts'

export interface OfflineModeDeps {
  outbox: KioskOutbox
  revocations: RevocationCache
  templates: TemplateCache
  limits: OfflineLimits
  /** A clock that cannot be set: performance.now() in a real kiosk. */
  monotonic: () => number
}

/**
 * The kiosk's offline mode: it learns from every online admission (templates, consumed token ids) and,
 * when the server cannot answer, admits from what it learned, but only while the offline policy allows.
 */
export class OfflineMode implements OfflinePort {
  constructor(private readonly deps: OfflineModeDeps) {}

  get outbox(): KioskOutbox {
    return this.deps.outbox
  }

  refreshIfDue(): Promise<void> {
    return this.deps.revocations.refreshIfDue()
  }

  admit(input: AdmissionInput): Admission {
    const { claims } = input
    this.learn(input)
    const online: Admission = {
      ledger: input.ledger,
      template: input.template,
      embedding: input.embedding,
      refusal: null,
      claim: null,
    }
    if (input.ledger !== 'unavailable' && input.template !== 'unavailable') return online
    if (!input.outage) return { ...online, refusal: 'OFFLINE_NOT_ALLOWED' }

    const verdict = offlineVerdict(
      {
        contact: this.deps.revocations.contact,
        revocationListGeneratedAtMs: this.deps.revocations.generatedAt,
        keysFresh: input.keysFresh,
        lastEventAtMs: this.deps.outbox.lastOccurredAt(),
        now: { wallMs: input.nowMs, monotonicMs: this.deps.monotonic() },
      },
      this.deps.limits,
    )
    if (!verdict.allowed) return { ...online, refusal: verdict.reason }

    let { template, embedding } = input
    if (template === 'unavailable') {
      if (this.deps.revocations.isRevoked(claims.sub)) template = 'revoked'
      else {
        const cached = this.deps.templates.get(claims.sub)
        if (!cached) return { ...online, refusal: 'OFFLINE_TEMPLATE_UNAVAILABLE' }
        template = { model: cached.model, ...(cached.photos === undefined ? {} : { photos: cached.photos }) }
        embedding = cached.embedding
      }
    }
    let ledger = input.ledger
    let claim: OfflineJtiClaim | null = null
    // A revoked subject is rejected whatever the ledger says: its token id is not consumed.
    if (ledger === 'unavailable' && template !== 'revoked') {
      const first = this.deps.outbox.rememberJti(input.jtiHash, claims.exp, input.nowMs)
      ledger = first ? 'consumed' : 'replayed'
      if (first) claim = { iss: claims.iss, jti: claims.jti, exp: claims.exp, sub: claims.sub }
    }
    return { ledger, template, embedding, refusal: null, claim }
  }

  /** Appends the decision to the durable outbox; the gate opens only once this has returned. */
  record(event: KioskEvent, claim: OfflineJtiClaim | null): void {
    this.deps.outbox.append(event, claim)
  }

  private learn(input: AdmissionInput): void {
    const { sub } = input.claims
    if (typeof input.template === 'object' && input.embedding)
      this.deps.templates.put(sub, {
        model: input.template.model,
        embedding: input.embedding,
        ...(input.template.photos === undefined ? {} : { photos: input.template.photos }),
      })
    else if (input.template === 'revoked' || input.template === 'unknown') this.deps.templates.forget(sub)
    // Consumed at the server: remembered here too, so that the same QR is refused here while offline.
    if (input.ledger === 'consumed') this.deps.outbox.rememberJti(input.jtiHash, input.claims.exp, input.nowMs)
  }
}
