// A live kiosk: face engine, server client, key cache, event reporter and one BrowserGate behind the
// kiosk's own HTTP listener on 127.0.0.1. Decisions reach the server as clearance events right away.
import { assertCalibrationFor, loadCalibration } from '../../models/calibration.ts'
import { startFaceEngine } from '../../models/face-engine.ts'
import type { FaceEngine } from '../../models/face-types.ts'
import { thresholdsFrom } from '../../models/thresholds.ts'
import { gateTokenPolicy } from '../../tokens/token-profile.ts'
import { EventReporter } from '../event-reporter.ts'
import { KeyCache } from '../key-cache.ts'
import type { GateDeps } from '../gate/clear-passenger.ts'
import type { ClearanceRecord, KioskIdentity } from '../gate/clearance-record.ts'
import { gateWork } from '../gate/gate-driver.ts'
import { defaultLiveGateConfig, type LiveGateConfig } from '../gate/gate-state-machine.ts'
import { KioskServerClient } from '../server-client.ts'
import { BrowserGate } from './browser-gate.ts'
import { buildKioskHttp } from './kiosk-http.ts'

export interface KioskServiceOptions {
  serverUrl: string
  kioskKey: string
  identity: KioskIdentity
  /** The browser origin of the kiosk page; default the server's origin. */
  pageOrigin?: string
  port?: number
  host?: string
  issuer?: string
  audience?: string
  calibrationFile?: string
  /** An engine to share (tests); otherwise the service starts its own and closes it. */
  engine?: FaceEngine
  /** Overrides of the live gate's defaults (hold 4 s here, so that a screen can be read; 3 frames fused; 4 s face window). */
  gate?: Partial<Omit<LiveGateConfig, 'policy'>>
  onDecision?: (record: ClearanceRecord) => void
}

export interface KioskService {
  url: string
  close(): Promise<void>
}

export async function startKioskService(options: KioskServiceOptions): Promise<KioskService> {
  const calibration = loadCalibration(options.calibrationFile)
  const policy = thresholdsFrom(calibration)
  const engine = options.engine ?? (await startFaceEngine({ workers: 1 }))
  try {
    assertCalibrationFor(calibration, engine.model)
    const server = new KioskServerClient(options.serverUrl, options.kioskKey)
    const keys = new KeyCache(() => server.fetchJwks(), 15 * 60_000)
    await keys.refresh(Date.now())
    const reporter = new EventReporter(server)
    const tokenPolicy = gateTokenPolicy(options.issuer, options.audience)
    const pipeline: GateDeps = {
      engine,
      server,
      keys,
      policy,
      tokenPolicy,
      identity: options.identity,
      now: () => Date.now(),
    }
    const gate = new BrowserGate({
      ...gateWork(pipeline),
      config: { ...defaultLiveGateConfig(policy), holdMs: 4_000, ...options.gate },
      onDecision: (record) => {
        reporter.add(record)
        void reporter.flush().catch(() => undefined) // stays queued; the next decision retries it
        options.onDecision?.(record)
      },
    })
    const http = await buildKioskHttp({ gate, allowedOrigin: options.pageOrigin ?? new URL(options.serverUrl).origin })
    const url = await http.listen({ host: options.host ?? '127.0.0.1', port: options.port ?? 0 })
    return {
      url,
      async close() {
        await http.close()
        await reporter.flush(2).catch(() => undefined)
        if (!options.engine) await engine.close()
      },
    }
  } catch (error) {
    if (!options.engine) await engine.close()
    throw error
  }
}
