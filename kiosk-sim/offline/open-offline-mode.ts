import type { KioskServerClient } from '../kiosk-server-client.ts'
import { DEFAULT_OFFLINE_LIMITS, type OfflineLimits } from './offline-policy.ts'
import { OfflineMode } from './offline-mode.ts'
import { KioskOutbox } from './outbox.ts'
import { RevocationCache } from './revocation-cache.ts'
import { TemplateCache } from './template-cache.ts'

/** Refetch the revocation list this often while the server answers (its age limit is DEFAULT_OFFLINE_LIMITS'). */
const REVOCATION_REFRESH_MS = 60_000

/**
 * A real kiosk's offline mode: its outbox file, the revocation list and template cache fed by `server`, and the
 * process's monotonic clock. The outbox outlives the process; close it with `offline.outbox.close()`.
 */
export function openOfflineMode(
  outboxPath: string,
  kioskId: string,
  server: KioskServerClient,
  limits: OfflineLimits = DEFAULT_OFFLINE_LIMITS,
): OfflineMode {
  const monotonic = () => performance.now()
  const outbox = new KioskOutbox(outboxPath, kioskId)
  const revocations = new RevocationCache(() => server.fetchRevocations(), monotonic, REVOCATION_REFRESH_MS)
  return new OfflineMode({ outbox, revocations, templates: new TemplateCache(), limits, monotonic })
}
