import { buildApp } from '../../server/app.ts'
import type { AppConfig } from '../../server/config.ts'
import { SqliteStore } from '../../server/store/sqlite-store.ts'
import { generateSigningKey } from '../../tokens/jwks.ts'
import { fakeFaceEngine } from './fake-engine.ts'
import { TEST_DIM, testThresholds } from './faces.ts'

export const OPERATOR_KEY = 'operator-key-0123456789'
export const KIOSK_KEY = 'kiosk-key-0123456789abc'
export const KIOSK_ID = 'kiosk-1'

export function testConfig(overrides: Partial<AppConfig> = {}): AppConfig {
  return {
    databasePath: ':memory:',
    issuer: 'https://test/immd',
    audience: 'echannel-gate',
    tokenLifetimeSec: 120,
    operatorKeys: [OPERATOR_KEY],
    kioskKeys: { [KIOSK_ID]: KIOSK_KEY, 'kiosk-2': 'kiosk-key-2-0123456789' },
    signingKeys: [{ ...generateSigningKey(), createdAt: 0 }],
    keyDirectory: null,
    keyOverlapSec: 600,
    enrolment: {
      minDetectorScore: testThresholds.minDetectorScore,
      minFaceSizePx: testThresholds.minFaceSizePx,
      minQualityScore: 0.7,
      antispoofMin: testThresholds.antispoofMin,
      minAgeYears: 11,
      adultAgeYears: 18,
      duplicateThreshold: testThresholds.duplicateThreshold,
      samePersonThreshold: testThresholds.samePersonThreshold,
    },
    faceModel: { ...testThresholds.model, embeddingLength: TEST_DIM },
    templateKey: Buffer.alloc(32, 7),
    rateLimits: { tokensPerMinute: 600, enrolmentsPerMinute: 120 },
    photoBodyLimitBytes: 256 * 1024,
    logLevel: 'silent',
    ...overrides,
  }
}

/** The real app on an in-memory SQLite store and a fake face engine; closed by the test's teardown. */
export async function buildTestApp(t: { teardown(fn: () => unknown): void }, overrides: Partial<AppConfig> = {}) {
  const store = new SqliteStore(':memory:')
  const faceEngine = fakeFaceEngine()
  const app = await buildApp(testConfig(overrides), { store, faceEngine, logger: false })
  t.teardown(async () => {
    await app.close()
    await store.close()
  })
  return { app, store, faceEngine }
}

export const operator = { authorization: `Bearer ${OPERATOR_KEY}` }
export const kiosk = { authorization: `Bearer ${KIOSK_KEY}` }
