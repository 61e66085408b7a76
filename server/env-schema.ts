// Every environment variable the server reads, with its type, range and default: one TypeBox schema, checked by
// env-schema (ajv) in env-config.ts. Formats that need a sentence to explain (key lists, URLs) are checked there.
import { Type, type Static } from 'typebox'
import { DEFAULT_FACE_BACKEND, FACE_BACKENDS } from '../models/face-backend.ts'
import { DEFAULT_AUDIENCE, DEFAULT_ISSUER } from '../tokens/token-profile.ts'

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const

export const ServerEnv = Type.Object({
  HOST: Type.String({ default: '127.0.0.1', description: 'address to listen on (0.0.0.0 in a container)' }),
  PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 8080, description: 'port to listen on; 0 picks one' }),
  LOG_LEVEL: Type.Enum(LOG_LEVELS, { default: 'info', description: 'pino log level' }),
  DATA_DIR: Type.String({
    default: 'data',
    description:
      'folder for what is not configured otherwise: database, signing keys, template, operator and kiosk keys',
  }),
  DATABASE_PATH: Type.Optional(Type.String({ description: 'SQLite file; default DATA_DIR/echannel.db' })),
  DATABASE_URL: Type.Optional(Type.String({ description: 'postgres:// URL: PostgreSQL instead of SQLite' })),
  DATABASE_SCHEMA: Type.Optional(Type.String({ description: 'PostgreSQL schema (created if missing)' })),
  TEMPLATE_KEY: Type.Optional(Type.String({ description: '32 random bytes, base64; default DATA_DIR/template-key' })),
  OPERATOR_KEYS: Type.Optional(Type.String({ description: 'operator bearer keys, comma-separated' })),
  KIOSK_KEYS: Type.Optional(Type.String({ description: 'kioskId:key pairs, comma-separated' })),
  KEYS_DIR: Type.Optional(
    Type.String({ description: 'signing key folder shared by instances; default DATA_DIR/keys' }),
  ),
  KEY_OVERLAP_SEC: Type.Integer({
    minimum: 10,
    maximum: 30 * 86_400,
    default: 1800,
    description: 'how long a superseded signing key still verifies',
  }),
  TOKEN_LIFETIME_SEC: Type.Integer({ minimum: 10, maximum: 600, default: 120, description: 'QR token lifetime' }),
  TOKEN_ISSUER: Type.String({ minLength: 1, default: DEFAULT_ISSUER, description: 'iss of tokens' }),
  TOKEN_AUDIENCE: Type.String({ minLength: 1, default: DEFAULT_AUDIENCE, description: 'aud of tokens' }),
  REDIS_URL: Type.Optional(Type.String({ description: 'redis:// URL for state shared by instances' })),
  TOKEN_RATE_LIMIT_PER_MIN: Type.Integer({
    minimum: 1,
    default: 30,
    description: 'tokens a minute per resident credential',
  }),
  ENROLMENT_RATE_LIMIT_PER_MIN: Type.Integer({
    minimum: 1,
    default: 120,
    description: 'enrolments a minute per client address',
  }),
  FACE_BACKEND: Type.Enum(FACE_BACKENDS, {
    default: DEFAULT_FACE_BACKEND,
    description: 'runtime of the face networks: onnx (onnxruntime-node) or tfjs (the WASM reference)',
  }),
  CALIBRATION_FILE: Type.Optional(Type.String({ description: 'thresholds file; default models/calibration.json' })),
})

export type ServerEnv = Static<typeof ServerEnv>
export type ServerEnvName = keyof ServerEnv & string
