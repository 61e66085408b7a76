import { createPrivateKey, createPublicKey } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { loadCalibration } from '../models/calibration.ts'
import { thresholdsFrom } from '../models/thresholds.ts'
import { generateSigningKey, thumbprintKid } from '../tokens/jwks.ts'
import type { SigningKey } from '../tokens/sign-token.ts'
import type { AppConfig } from './config.ts'

/** Only main.ts calls this: environment in, validated config out. */
export function configFromEnv(env: NodeJS.ProcessEnv): { config: AppConfig; warnings: string[] } {
  const warnings: string[] = []
  const thresholds = thresholdsFrom(loadCalibration(env.CALIBRATION_FILE || undefined))
  const signingKeys = (env.SIGNING_KEY_FILES ?? '').split(',').filter(Boolean).map(readSigningKey)
  if (signingKeys.length === 0) {
    warnings.push('SIGNING_KEY_FILES not set: using an ephemeral signing key; tokens die with this process')
    signingKeys.push(generateSigningKey())
  }
  const config: AppConfig = {
    databasePath: env.DATABASE_PATH ?? 'echannel.db',
    issuer: env.TOKEN_ISSUER ?? 'https://echannel.example/immd',
    audience: env.TOKEN_AUDIENCE ?? 'echannel-gate',
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
    enrolment: {
      minDetectorScore: thresholds.minDetectorScore,
      minFaceSizePx: thresholds.minFaceSizePx,
      minQualityScore: thresholds.minDetectorScore,
      antispoofMin: thresholds.antispoofMin,
      minAgeYears: 11,
      adultAgeYears: 18,
      duplicateThreshold: thresholds.matchThreshold,
    },
    faceModel: { ...thresholds.model, embeddingLength: thresholds.embeddingLength },
    photoBodyLimitBytes: 12 * 1024 * 1024,
    logLevel: env.LOG_LEVEL ?? 'info',
  }
  return { config, warnings }
}

/** A PKCS#8 PEM file holding a P-256 private key; its kid is the public key's thumbprint. */
function readSigningKey(path: string): SigningKey {
  const privateKey = createPrivateKey(readFileSync(path))
  const publicKey = createPublicKey(privateKey)
  return { kid: thumbprintKid(publicKey), privateKey, publicKey }
}
