// A live kiosk for the kiosk screen: an open kiosk (kiosk.ts) and one BrowserGate behind the kiosk's own HTTP
// listener on 127.0.0.1. Decisions reach the server as clearance events right away.
import type { FaceBackend } from '../../models/face-types.ts'
import type { FaceEngine } from '../../models/face-types.ts'
import { decodeImage } from '../../models/image-decode.ts'
import { gateTokenPolicy } from '../../tokens/token-profile.ts'
import type { ClearanceRecord, KioskIdentity } from '../gate/clearance-record.ts'
import { gateWork } from '../gate/gate-driver.ts'
import { defaultLiveGateConfig, type LiveGateConfig } from '../gate/gate-state-machine.ts'
import { openKiosk, type Kiosk } from '../kiosk.ts'
import { BrowserGate } from './browser-gate.ts'
import { buildKioskHttp } from './kiosk-http.ts'

export interface KioskServiceOptions extends KioskScreenOptions {
  serverUrl: string
  kioskKey: string
  identity: KioskIdentity
  issuer?: string
  audience?: string
  calibrationFile?: string
  /** An engine to share (tests); otherwise the service starts its own and closes it. */
  engine?: FaceEngine
  /** Where the service's own engine runs its networks; default onnxruntime. */
  backend?: FaceBackend
}

/** Where the kiosk's screen reaches it, and how its gate runs. */
export interface KioskScreenOptions {
  /** The browser origin of the kiosk page; default the server's origin. */
  pageOrigin?: string
  port?: number
  host?: string
  /** Overrides of the live gate's defaults: hold 4 s here (a screen must be read), 3 frames fused, 4 s face window. */
  gate?: Partial<Omit<LiveGateConfig, 'policy'>>
  /** Picks each passenger's liveness challenge, uniform in [0, 1) (default: crypto random; tests fix it). */
  random?: () => number
  onDecision?: (record: ClearanceRecord) => void
}

export interface KioskService {
  url: string
  close(): Promise<void>
}

/** Opens a kiosk on a running server and serves it; close() closes both. */
export async function startKioskService(options: KioskServiceOptions): Promise<KioskService> {
  const kiosk = await openKiosk({
    identity: options.identity,
    server: { url: options.serverUrl, kioskKey: options.kioskKey },
    tokenPolicy: gateTokenPolicy(options.issuer, options.audience),
    ...(options.calibrationFile ? { calibrationFile: options.calibrationFile } : {}),
    ...(options.engine ? { engine: options.engine } : {}),
    ...(options.backend ? { backend: options.backend } : {}),
  })
  try {
    const service = await serveKiosk(kiosk, options)
    return {
      url: service.url,
      async close() {
        await service.close()
        await kiosk.close()
      },
    }
  } catch (error) {
    await kiosk.close()
    throw error
  }
}

/**
 * The browser gate of an open kiosk behind its own HTTP listener. Decisions go to the server as clearance events at
 * once; close() stops the listener and flushes the reporter, and leaves the kiosk open.
 */
export async function serveKiosk(kiosk: Kiosk, options: KioskScreenOptions = {}): Promise<KioskService> {
  const { reporter } = kiosk
  const gate = new BrowserGate({
    ...gateWork(kiosk.deps),
    // Decoded here, once, under the same limits as any untrusted image; full size, so boxes are the frame's pixels.
    decodeFrame: (jpeg) => decodeImage(jpeg, { channels: 3 }),
    config: { ...defaultLiveGateConfig(kiosk.policy), holdMs: 4_000, ...options.gate },
    ...(options.random ? { random: options.random } : {}),
    onDecision: (record) => {
      reporter.add(record)
      void reporter.flush().catch(() => undefined) // stays queued; the next decision retries it
      options.onDecision?.(record)
    },
  })
  const http = await buildKioskHttp({ gate, allowedOrigin: options.pageOrigin ?? new URL(kiosk.serverUrl).origin })
  const url = await http.listen({ host: options.host ?? '127.0.0.1', port: options.port ?? 0 })
  return {
    url,
    async close() {
      await http.close()
      await reporter.flush(2).catch(() => undefined)
    },
  }
}
