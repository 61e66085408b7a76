// A QR text to an admitted token: fresh keys, signature and claims, the replay ledger and the enrolled template
// (or, offline, the kiosk's own caches). Everything before the face.
import { jtiHash } from '../../lib/outbox-chain.ts'
import type { FaceThresholds } from '../../models/thresholds.ts'
import type { TokenPolicy } from '../../tokens/token-profile.ts'
import { verifyToken } from '../../tokens/verify-token.ts'
import type { KeyCache } from '../key-cache.ts'
import { ServerUnavailableError, type KioskServerClient } from '../kiosk-server-client.ts'
import type { DecisionFacts } from './clearance-record.ts'
import type { ClearanceEvidence, Verdict } from './decide.ts'
import type { OfflinePort } from './offline-port.ts'
import { newStageRun, runStages, timed, type StageRun } from './stage-run.ts'

export interface AdmissionDeps {
  server: Pick<KioskServerClient, 'consumeJti' | 'fetchTemplate'>
  keys: KeyCache
  policy: FaceThresholds
  tokenPolicy: TokenPolicy
  /** Epoch milliseconds; a simulation can move it. */
  now: () => number
  /** Offline mode: the kiosk may admit from its caches while the server is unreachable. */
  offline?: OfflinePort
}

/** What the gate learned from a QR text before it looks at the face. */
export interface TokenAdmission extends Omit<DecisionFacts, 'score'> {
  /** A decision (the token or its admission failed), or PENDING with `needs: 'faces'`. */
  verdict: Verdict
  /** The evidence so far, for decide() once faces are known. */
  evidence: ClearanceEvidence
  /** The enrolled template, when admission fetched it. */
  template: Float32Array | null
  /** Keys, signature and claims, replay ledger and template. */
  verifyMs: number
}

export interface AdmissionHooks {
  /** Called as the server round trips of admission start: work that may overlap them (the face) starts here. */
  onAdmitting?: () => void
}

/**
 * The token stages for one QR text. Never throws: whatever fails becomes the verdict (a refusal, or
 * REFER_TO_OFFICER(INTERNAL_ERROR)). `run` continues a passenger's run that has already read the QR.
 */
export async function admitToken(
  qrText: string,
  deps: AdmissionDeps,
  hooks: AdmissionHooks = {},
  run: StageRun = newStageRun(),
): Promise<TokenAdmission> {
  const verdict = await runStages(
    run,
    {
      qr: (run) => timed(run, 'verifyMs', () => presentQr(run, qrText, deps)),
      token: (run) => timed(run, 'verifyMs', () => checkToken(run, deps)),
      admission: (run) => timed(run, 'verifyMs', () => admit(run, deps, hooks)),
    },
    deps.policy,
  )
  return {
    verdict,
    evidence: run.evidence,
    template: run.template,
    kid: run.kid,
    jtiHash: run.jtiHash,
    offlineClaim: run.offlineClaim,
    verifyMs: run.timings.verifyMs,
  }
}

/** The QR is read; the keys it will be verified with must be fresh (and the revocation list, offline). */
async function presentQr(run: StageRun, qrText: string, deps: AdmissionDeps): Promise<void> {
  run.evidence.qrText = qrText
  await Promise.all([deps.keys.refreshIfDue(deps.now()), deps.offline?.refreshIfDue()])
  run.evidence.keysFresh = deps.keys.isFresh(deps.now())
}

async function checkToken(run: StageRun, deps: AdmissionDeps): Promise<void> {
  const { evidence } = run
  const qrText = evidence.qrText!
  const nowSec = Math.floor(deps.now() / 1000)
  evidence.token = verifyToken(qrText, deps.keys.current, deps.tokenPolicy, nowSec)
  // A kid the kiosk has not seen may follow a key rotation: refetch (rate-limited by the cache) and verify again.
  const unknownKid = evidence.token.ok ? undefined : evidence.token.unknownKid
  if (unknownKid && (await deps.keys.refreshForUnknownKid(unknownKid, deps.now()))) {
    evidence.token = verifyToken(qrText, deps.keys.current, deps.tokenPolicy, nowSec)
  }
  if (evidence.token.ok) {
    run.kid = evidence.token.kid
    run.jtiHash = jtiHash(evidence.token.claims.iss, evidence.token.claims.jti)
  }
}

async function admit(run: StageRun, deps: AdmissionDeps, hooks: AdmissionHooks): Promise<void> {
  const { evidence } = run
  if (!evidence.token?.ok) throw new Error('admission without a valid token')
  const { iss, jti, exp, sub } = evidence.token.claims
  hooks.onAdmitting?.()
  // The ledger and the template are independent reads: ask both at once.
  const [ledger, template] = await Promise.allSettled([
    deps.server.consumeJti(iss, jti, exp),
    deps.server.fetchTemplate(sub),
  ])
  evidence.ledger = ledger.status === 'fulfilled' ? (ledger.value ? 'consumed' : 'replayed') : 'unavailable'
  if (template.status === 'rejected') evidence.template = 'unavailable'
  else if (template.value.status !== 'ok') evidence.template = template.value.status
  else {
    evidence.template = {
      model: template.value.model!,
      ...(template.value.photos === undefined ? {} : { photos: template.value.photos }),
    }
    run.template = template.value.embedding!
  }
  if (!deps.offline) return
  const admission = deps.offline.admit({
    claims: evidence.token.claims,
    jtiHash: run.jtiHash!,
    keysFresh: deps.keys.isFresh(deps.now()),
    nowMs: deps.now(),
    ledger: evidence.ledger,
    template: evidence.template,
    embedding: run.template,
    // Only an outage may be bridged offline; a refusal (a withdrawn kiosk key) or a bug may not.
    outage: [ledger, template].every((r) => r.status === 'fulfilled' || r.reason instanceof ServerUnavailableError),
  })
  evidence.ledger = admission.ledger
  evidence.template = admission.template
  run.template = admission.embedding
  run.offlineClaim = admission.claim
  if (admission.refusal) evidence.offlineRefusal = admission.refusal
}
