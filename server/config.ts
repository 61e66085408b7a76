import type { FaceBackend } from '../models/face-types.ts'
import type { DatedSigningKey } from './keys/key-ring.ts'

export interface EnrolmentPolicy {
  /** Detector confidence a face needs to count as a face at all. */
  minDetectorScore: number
  minFaceSizePx: number
  /** Faces below this confidence but above minDetectorScore are FACE_QUALITY_LOW. */
  minQualityScore: number
  antispoofMin: number
  minAgeYears: number
  adultAgeYears: number
  /**
   * Cosine score at or above which another resident's template is the same face (the 1:N duplicate search;
   * calibration.json `duplicateSearch.threshold`, or the 1:1 threshold in files without it).
   */
  duplicateThreshold: number
  /** Every pair of a multi-photo enrolment's photos must score at least this (the calibrated 1:1 threshold). */
  samePersonThreshold: number
}

export interface AppConfig {
  databasePath: string
  /** postgres:// URL; when set, PostgreSQL replaces the SQLite file. */
  databaseUrl?: string
  /** PostgreSQL schema to use (created if missing); default: the connection's search_path. */
  databaseSchema?: string
  issuer: string
  audience: string
  tokenLifetimeSec: number
  /** Bearer keys of operators (enrolment, revocation, stats). */
  operatorKeys: string[]
  /** Kiosk id -> bearer key. */
  kioskKeys: Record<string, string>
  signingKeys: DatedSigningKey[]
  /** Directory of signing key files shared by all instances; null keeps keys in memory. */
  keyDirectory: string | null
  /** How long a superseded key keeps verifying: at least the token lifetime plus the kiosks' JWKS refresh. */
  keyOverlapSec: number
  enrolment: EnrolmentPolicy
  /** Where the face engine's networks run (FACE_BACKEND); default onnxruntime. */
  faceBackend?: FaceBackend
  /** The calibrated model; enrolment refuses to store a template of any other. */
  faceModel: { name: string; version: string; embeddingLength: number }
  /** AES-256 key that seals templates at rest; from the environment, never from the database or the repo. */
  templateKey: Buffer
  /** redis:// URL for state shared by instances (rate limits, issued tokens); unset on one instance. */
  redisUrl?: string
  rateLimits: { tokensPerMinute: number; enrolmentsPerMinute: number }
  photoBodyLimitBytes: number
  logLevel: string
}

/** Shortest operator or kiosk bearer key accepted. */
export const KEY_MIN_CHARS = 16
export const KIOSK_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/

/** Config is checked once, at start; a bad one stops the process with a clear message. */
export function validateConfig(config: AppConfig): AppConfig {
  const problems: string[] = []
  if (!config.databasePath) problems.push('databasePath is empty')
  if (config.databaseUrl !== undefined && !/^postgres(ql)?:\/\//.test(config.databaseUrl)) {
    problems.push('databaseUrl must start with postgres:// or postgresql://')
  }
  if (!config.issuer || !config.audience) problems.push('issuer and audience are required')
  if (!(config.tokenLifetimeSec >= 10 && config.tokenLifetimeSec <= 600))
    problems.push('tokenLifetimeSec must be 10..600')
  if (config.operatorKeys.length === 0) problems.push('at least one operator key is required')
  for (const key of [...config.operatorKeys, ...Object.values(config.kioskKeys)]) {
    if (key.length < KEY_MIN_CHARS) problems.push(`bearer keys need at least ${KEY_MIN_CHARS} characters`)
  }
  for (const kioskId of Object.keys(config.kioskKeys)) {
    if (!KIOSK_ID_PATTERN.test(kioskId)) problems.push(`kiosk id ${JSON.stringify(kioskId)} is not [A-Za-z0-9_-]{1,64}`)
  }
  if (config.templateKey.length !== 32) problems.push('templateKey must be 32 bytes')
  if (config.signingKeys.length === 0) problems.push('at least one signing key is required')
  if (config.keyOverlapSec < config.tokenLifetimeSec) problems.push('keyOverlapSec must be at least tokenLifetimeSec')
  if (problems.length > 0) throw new Error(`invalid config: ${[...new Set(problems)].join('; ')}`)
  return config
}
