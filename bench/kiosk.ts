// npm run bench:kiosk — one kiosk worker against an embedded server: stage p50/p95 and clearances per second.
// Genuine fixture passengers, repeated; token issue and QR rendering happen outside the timed gate work.
import os from 'node:os'
import { loadCalibration } from '../models/calibration.ts'
import { startFaceEngine } from '../models/face-engine.ts'
import { thresholdsFrom } from '../models/thresholds.ts'
import { gateTokenPolicy } from '../tokens/token-profile.ts'
import { startEmbeddedServer } from '../kiosk-sim/embedded-server.ts'
import { formatSummary } from '../kiosk-sim/run-summary.ts'
import { loadFixtureSet } from '../kiosk-sim/scenario/fixture-set.ts'
import { runFixtures } from '../kiosk-sim/scenario/run-fixtures.ts'
import { parseFaceBackend } from '../models/face-backend.ts'

const ROUNDS = Number(process.argv[2] ?? 8)
const fixtures = await loadFixtureSet('fixtures')
const genuine = fixtures.passengers.filter((p) => p.scenario === 'genuine')
const passengers = Array.from({ length: ROUNDS }, (_, round) =>
  genuine.map((p) => ({ ...p, id: `${p.id}-${round}`, qrSeed: p.qrSeed + round * 1000 })),
).flat()

const server = await startEmbeddedServer({ kioskIds: ['bench-kiosk'], logLevel: 'error' })
const engine = await startFaceEngine({ workers: 1, backend: parseFaceBackend(process.env.FACE_BACKEND) })
try {
  // Warm-up: the first WASM inferences compile kernels.
  await runFixtures({ ...fixtures, passengers: genuine.slice(0, 2) }, options())
  const result = await runFixtures({ ...fixtures, passengers }, options())
  console.log(`machine: ${os.cpus().length} cores, ${os.cpus()[0]?.model}, node ${process.version}`)
  console.log(`bench:kiosk, 1 kiosk worker, ${passengers.length} genuine passengers\n`)
  console.log(formatSummary(result.summary))
  console.log(
    `\ntotal compute per passenger: p50 ${result.summary.stagesMs.totalMs?.p50.toFixed(1)} ms (target <= 150 ms)`,
  )
  console.log(`clearances per second per worker: ${result.summary.clearancesPerSecond.toFixed(2)} (target >= 6)`)
} finally {
  await engine.close()
  await server.stop()
}

function options() {
  return {
    serverUrl: server.url,
    operatorKey: server.operatorKey,
    kioskKey: server.kioskKeys['bench-kiosk']!,
    identity: { kioskId: 'bench-kiosk', controlPoint: 'BENCH' },
    engine,
    policy: thresholdsFrom(loadCalibration()),
    tokenPolicy: gateTokenPolicy(),
  }
}
