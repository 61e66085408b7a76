// A live rig for the kiosk screen: the real server (its own process), the fixture residents enrolled, a live
// kiosk (real face engine) on 127.0.0.1, and passenger clips for Chromium's fake camera.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { startFaceEngine, type FaceEnginePool } from '../../models/face-engine.ts'
import { startEmbeddedServer, type EmbeddedServer } from '../../kiosk-sim/embedded-server.ts'
import { fixtureClips, type FixtureClip } from '../../kiosk-sim/scenario/fixture-clips.ts'
import { loadFixtureSet } from '../../kiosk-sim/scenario/fixture-set.ts'
import { OperatorClient } from '../../kiosk-sim/scenario/operator-client.ts'
import { startKioskService, type KioskService } from '../../kiosk-sim/serve/kiosk-service.ts'
import { writeY4m } from '../../kiosk-sim/sources/passenger-clip.ts'

export const KIOSK_ID = 'kiosk-browser'
/** A second kiosk identity on the server, for conventional e-Channel passengers (as the load test logs them). */
export const CONVENTIONAL_ID = 'conventional-gates'

export interface KioskRig {
  server: EmbeddedServer
  kiosk: KioskService
  engine: FaceEnginePool
  dir: string
  /** Fresh tokens (they live 120 s) and y4m clips for these fixture passengers, by passenger id. */
  clips(only: string[]): Promise<Map<string, { file: string; clip: FixtureClip }>>
  kioskPage(kioskUrl?: string): string
  close(): Promise<void>
}

export async function startKioskRig(): Promise<KioskRig> {
  const dir = await mkdtemp(path.join(tmpdir(), 'kiosk-rig-'))
  const server = await startEmbeddedServer({ kioskIds: [KIOSK_ID, CONVENTIONAL_ID], logLevel: 'error' })
  const engine = await startFaceEngine({ workers: 1 })
  const kiosk = await startKioskService({
    serverUrl: server.url,
    kioskKey: server.kioskKeys[KIOSK_ID]!,
    identity: { kioskId: KIOSK_ID, controlPoint: 'TEST-CP' },
    engine,
    // The passenger clips are still photos: they cannot turn a head or blink, so this screen runs the passive check
    // only. The challenge's screen state is tested in test/kiosk/browser-gate.test.ts, the challenge on real frames
    // in test-datasets/.
    gate: { challenge: null },
  })
  const set = await loadFixtureSet('fixtures')
  const operator = new OperatorClient(server.url, server.operatorKey)
  return {
    server,
    kiosk,
    engine,
    dir,
    async clips(only) {
      const made = new Map<string, { file: string; clip: FixtureClip }>()
      for await (const clip of fixtureClips(set, operator, { only })) {
        const file = path.join(dir, `${clip.name}.y4m`)
        await writeY4m(clip.spec, file)
        made.set(clip.name, { file, clip })
      }
      return made
    },
    kioskPage: (kioskUrl = kiosk.url) => `${server.url}/kiosk?kiosk=${encodeURIComponent(kioskUrl)}`,
    async close() {
      await kiosk.close()
      await engine.close()
      await server.stop()
      await rm(dir, { recursive: true, force: true })
    },
  }
}
