import { loadCalibration } from '../models/calibration.ts'
import { parseFaceBackend } from '../models/face-backend.ts'
import { thresholdsFrom } from '../models/thresholds.ts'
import { generateSigningKey } from '../tokens/jwks.ts'
import { DEFAULT_AUDIENCE, DEFAULT_ISSUER } from '../tokens/token-profile.ts'
import { addKeyToDirectory, loadKeyDirectory } from './keys/key-directory.ts'
import type { AppConfig } from './config.ts'
import { templateKeyFrom } from './templates/template-sealer.ts'

function requireEnv(env: NodeJS.ProcessEnv, name: string): string {
  const value = env[name]
  if (!value)
    throw new Error(`${name} is required (TEMPLATE_KEY: 32 random bytes, base64; e.g. openssl rand -base64 32)`)
  return value
}

/** Only main.ts calls this: environment in, validated config out. */
export async function configFromEnv(env: NodeJS.ProcessEnv): Promise<{ config: AppConfig; warnings: string[] }> {
  const warnings: string[] = []
  const thresholds = thresholdsFrom(loadCalibration(env.CALIBRATION_FILE || undefined))
  const keyDirectory = env.KEYS_DIR || null
  const signingKeys = keyDirectory ? await loadKeyDirectory(keyDirectory) : []
  if (keyDirectory && signingKeys.length === 0) signingKeys.push(await addKeyToDirectory(keyDirectory))
  if (!keyDirectory) {
    warnings.push('KEYS_DIR not set: using an ephemeral signing key; tokens die with this process')
    signingKeys.push({ ...generateSigningKey(), createdAt: 0 })
  }
  const config: AppConfig = {
    databasePath: env.DATABASE_PATH ?? 'echannel.db',
    ...(env.DATABASE_URL ? { databaseUrl: env.DATABASE_URL } : {}),
    ...(env.DATABASE_SCHEMA ? { databaseSchema: env.DATABASE_SCHEMA } : {}),
    issuer: env.TOKEN_ISSUER ?? DEFAULT_ISSUER,
    audience: env.TOKEN_AUDIENCE ?? DEFAULT_AUDIENCE,
    tokenLifetimeSec: Number(env.TOKEN_LIFETIME_SEC ?? 120),
    operatorKeys: (env.OPERATOR_KEYS ?? '').split(',').filter(Boolean),
    kioskKeys: Object.fromEntries(
      (env.KIOSK_KEYS ?? '')
        .split(',')
        .filter(Boolean)
        .map((pair) => {
          const at = pair.indexOf(':')
          return [pair.slice(0, at), pair.slice(at + 1)]
        }),
    ),
    signingKeys,
    keyDirectory,
    keyOverlapSec: Number(env.KEY_OVERLAP_SEC ?? 1800),
    enrolment: {
      minDetectorScore: thresholds.minDetectorScore,
      minFaceSizePx: thresholds.minFaceSizePx,
      minQualityScore: thresholds.minDetectorScore,
      antispoofMin: thresholds.antispoofMin,
      minAgeYears: 11,
      adultAgeYears: 18,
      duplicateThreshold: thresholds.duplicateThreshold,
      samePersonThreshold: thresholds.samePersonThreshold,
    },
    faceModel: { ...thresholds.model, embeddingLength: thresholds.embeddingLength },
    faceBackend: parseFaceBackend(env.FACE_BACKEND),
    templateKey: templateKeyFrom(requireEnv(env, 'TEMPLATE_KEY')),
    ...(env.REDIS_URL ? { redisUrl: env.REDIS_URL } : {}),
    rateLimits: {
      tokensPerMinute: Number(env.TOKEN_RATE_LIMIT_PER_MIN ?? 30),
      enrolmentsPerMinute: Number(env.ENROLMENT_RATE_LIMIT_PER_MIN ?? 120),
    },
    photoBodyLimitBytes: 12 * 1024 * 1024,
    logLevel: env.LOG_LEVEL ?? 'info',
  }
  return { config, warnings }
}
