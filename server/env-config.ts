// Environment in, validated config out; only main.ts calls this. Every problem is collected and reported at once,
// one line each, named by the variable (or by the data-folder file the value came from).
import path from 'node:path'
import envSchema from 'env-schema'
import { loadCalibration } from '../models/calibration.ts'
import { thresholdsFrom, type FaceThresholds } from '../models/thresholds.ts'
import { KEY_MIN_CHARS, KIOSK_ID_PATTERN, validateConfig, type AppConfig } from './config.ts'
import { ConfigError } from './config-error.ts'
import { ensurePrivateFile, secretsFromDataDir, type DataDirSecret } from './data-dir.ts'
import { ServerEnv, type ServerEnvName } from './env-schema.ts'
import { addKeyToDirectory, loadKeyDirectory } from './keys/key-directory.ts'
import { SCHEMA_NAME } from './store/postgres-store.ts'

export interface ServerSettings {
  config: AppConfig
  listen: { host: string; port: number }
  /** For start-up messages: where the template key came from, which database it must open. */
  sources: { templateKey: string; database: string; databaseIsFile: boolean }
  /** What the first start made in the data folder, to print once; null when it made no secret. */
  firstStart: FirstStart | null
}

export interface FirstStart {
  dataDir: string
  /** Files made, relative to dataDir. */
  made: string[]
  /** Set when made by this start: the new keys, to show once. */
  operatorKey?: string
  kioskKeys?: string
}

export async function configFromEnv(env: NodeJS.ProcessEnv): Promise<ServerSettings> {
  const { values, problems } = readServerEnv(env)
  const explicit = {
    TEMPLATE_KEY: values.TEMPLATE_KEY === undefined ? null : parseTemplateKey('TEMPLATE_KEY', values.TEMPLATE_KEY),
    OPERATOR_KEYS: values.OPERATOR_KEYS === undefined ? null : parseOperatorKeys('OPERATOR_KEYS', values.OPERATOR_KEYS),
    KIOSK_KEYS: values.KIOSK_KEYS === undefined ? null : parseKioskKeys('KIOSK_KEYS', values.KIOSK_KEYS),
  }
  for (const parsed of Object.values(explicit)) if (parsed) problems.push(...parsed.problems)
  const thresholds = readThresholds(values.CALIBRATION_FILE, problems)
  if (problems.length > 0 || !thresholds) throw new ConfigError(problems)

  // Only a valid environment may touch the disk: what it does not give comes from (or is made in) DATA_DIR.
  const dataDir = path.resolve(values.DATA_DIR)
  const missing = (Object.keys(explicit) as DataDirSecret[]).filter((name) => explicit[name] === null)
  const files = await secretsFromDataDir(dataDir, missing)
  const templateKey = explicit.TEMPLATE_KEY ?? parseTemplateKey(files.TEMPLATE_KEY!.file, files.TEMPLATE_KEY!.value)
  const operatorKeys =
    explicit.OPERATOR_KEYS ?? parseOperatorKeys(files.OPERATOR_KEYS!.file, files.OPERATOR_KEYS!.value)
  const kioskKeys = explicit.KIOSK_KEYS ?? parseKioskKeys(files.KIOSK_KEYS!.file, files.KIOSK_KEYS!.value)
  const fileProblems = [templateKey, operatorKeys, kioskKeys].flatMap((parsed) => parsed.problems)
  if (fileProblems.length > 0) throw new ConfigError(fileProblems)

  const databaseIsFile = values.DATABASE_URL === undefined
  const databasePath = values.DATABASE_PATH ?? path.join(dataDir, 'echannel.db')
  const made = Object.values(files)
    .filter((file) => file.created)
    .map((file) => path.relative(dataDir, file.file))
  if (databaseIsFile && values.DATABASE_PATH === undefined) await ensurePrivateFile(databasePath)

  const keyDirectory = values.KEYS_DIR ?? path.join(dataDir, 'keys')
  const signingKeys = await loadKeyDirectory(keyDirectory)
  if (signingKeys.length === 0) {
    signingKeys.push(await addKeyToDirectory(keyDirectory))
    if (values.KEYS_DIR === undefined) made.push(path.relative(dataDir, keyDirectory) + path.sep)
  }

  const config: AppConfig = {
    databasePath,
    ...(values.DATABASE_URL !== undefined ? { databaseUrl: values.DATABASE_URL } : {}),
    ...(values.DATABASE_SCHEMA !== undefined ? { databaseSchema: values.DATABASE_SCHEMA } : {}),
    issuer: values.TOKEN_ISSUER,
    audience: values.TOKEN_AUDIENCE,
    tokenLifetimeSec: values.TOKEN_LIFETIME_SEC,
    operatorKeys: operatorKeys.value,
    kioskKeys: kioskKeys.value,
    signingKeys,
    keyDirectory,
    keyOverlapSec: values.KEY_OVERLAP_SEC,
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
    faceBackend: values.FACE_BACKEND,
    templateKey: templateKey.value,
    ...(values.REDIS_URL !== undefined ? { redisUrl: values.REDIS_URL } : {}),
    rateLimits: {
      tokensPerMinute: values.TOKEN_RATE_LIMIT_PER_MIN,
      enrolmentsPerMinute: values.ENROLMENT_RATE_LIMIT_PER_MIN,
    },
    photoBodyLimitBytes: 12 * 1024 * 1024,
    logLevel: values.LOG_LEVEL,
  }
  validateConfig(config)

  const created = (name: DataDirSecret) => (files[name]?.created ? files[name].value : undefined)
  return {
    config,
    listen: { host: values.HOST, port: values.PORT },
    sources: {
      templateKey: explicit.TEMPLATE_KEY ? 'TEMPLATE_KEY' : `the template key in ${files.TEMPLATE_KEY!.file}`,
      database: databaseIsFile ? databasePath : 'DATABASE_URL',
      databaseIsFile,
    },
    // A folder that only got signing keys (kiosk-sim --embedded gives every secret itself) is no news.
    firstStart: missing.some((name) => files[name]!.created)
      ? {
          dataDir,
          made,
          ...(created('OPERATOR_KEYS') ? { operatorKey: created('OPERATOR_KEYS') } : {}),
          ...(created('KIOSK_KEYS') ? { kioskKeys: created('KIOSK_KEYS') } : {}),
        }
      : null,
  }
}

/**
 * The schema's checks (types, ranges, choices) and the formats it cannot explain in a sentence; empty values count
 * as unset. No disk access except the calibration file.
 */
export function readServerEnv(env: NodeJS.ProcessEnv): { values: ServerEnv; problems: string[] } {
  const given = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ''))
  const schema = JSON.parse(JSON.stringify(ServerEnv)) as typeof ServerEnv
  const problems: string[] = []
  let values: ServerEnv
  try {
    values = envSchema<ServerEnv>({ schema, data: given, env: false })
  } catch (error) {
    const errors = (error as { errors?: Array<{ instancePath: string; params: { missingProperty?: string } }> }).errors
    if (!errors) throw error
    const names = new Set(errors.map((e) => (e.instancePath.slice(1) || e.params.missingProperty) as ServerEnvName))
    for (const name of names) problems.push(`${name}: must be ${expectation(name)}, got ${JSON.stringify(given[name])}`)
    // The rest, with the defaults in place of the bad values, so that their own checks still run.
    const rest = Object.fromEntries(Object.entries(given).filter(([name]) => !names.has(name as ServerEnvName)))
    values = envSchema<ServerEnv>({ schema, data: rest, env: false })
  }
  if (values.DATABASE_URL !== undefined && !/^postgres(ql)?:\/\//.test(values.DATABASE_URL))
    problems.push('DATABASE_URL: must start with postgres:// or postgresql://')
  if (values.DATABASE_SCHEMA !== undefined && !SCHEMA_NAME.test(values.DATABASE_SCHEMA))
    problems.push(`DATABASE_SCHEMA: must match ${SCHEMA_NAME.source}, got ${JSON.stringify(values.DATABASE_SCHEMA)}`)
  if (values.REDIS_URL !== undefined && !/^rediss?:\/\//.test(values.REDIS_URL))
    problems.push('REDIS_URL: must start with redis:// or rediss://')
  const { KEY_OVERLAP_SEC: overlap, TOKEN_LIFETIME_SEC: lifetime } = values
  if (overlap < lifetime)
    problems.push(`KEY_OVERLAP_SEC: must be at least TOKEN_LIFETIME_SEC (${lifetime}), got ${overlap}`)
  return { values, problems }
}

/** What a variable must be, in words, from its schema. */
function expectation(name: ServerEnvName): string {
  const schema = ServerEnv.properties[name] as { type?: string; minimum?: number; maximum?: number; enum?: string[] }
  if (schema.enum) return `one of ${schema.enum.join(', ')}`
  if (schema.type === 'integer') {
    if (schema.maximum !== undefined) return `an integer ${schema.minimum}..${schema.maximum}`
    return `an integer >= ${schema.minimum}`
  }
  return `a ${schema.type}`
}

function readThresholds(file: string | undefined, problems: string[]): FaceThresholds | null {
  try {
    return thresholdsFrom(loadCalibration(file))
  } catch (error) {
    problems.push(`CALIBRATION_FILE: ${(error as Error).message}`)
    return null
  }
}

interface Parsed<T> {
  value: T
  problems: string[]
}

// The parsers name the source (a variable or a data-folder file) and never repeat a secret in a message.

function parseTemplateKey(source: string, text: string): Parsed<Buffer> {
  const value = Buffer.from(text, 'base64')
  const base64 = /^[A-Za-z0-9+/]+={0,2}$/.test(text)
  if (base64 && value.length === 32) return { value, problems: [] }
  const got = base64 ? `${value.length} bytes` : 'text that is not base64'
  return { value, problems: [`${source}: must be 32 random bytes, base64 (openssl rand -base64 32), got ${got}`] }
}

function parseOperatorKeys(source: string, text: string): Parsed<string[]> {
  const value = text.split(',').map((key) => key.trim())
  const problems = value.flatMap((key, i) =>
    key.length >= KEY_MIN_CHARS
      ? []
      : [`${source}: key ${i + 1} of ${value.length} has ${key.length} characters, needs at least ${KEY_MIN_CHARS}`],
  )
  return { value, problems }
}

function parseKioskKeys(source: string, text: string): Parsed<Record<string, string>> {
  const value: Record<string, string> = {}
  const problems: string[] = []
  for (const pair of text.split(',').map((p) => p.trim())) {
    const at = pair.indexOf(':')
    if (at < 0) {
      problems.push(`${source}: ${JSON.stringify(pair)} is not kioskId:key`)
      continue
    }
    const [id, key] = [pair.slice(0, at), pair.slice(at + 1)]
    if (!KIOSK_ID_PATTERN.test(id))
      problems.push(`${source}: kiosk id ${JSON.stringify(id)} is not [A-Za-z0-9_-]{1,64}`)
    else if (id in value) problems.push(`${source}: kiosk ${id} is listed twice`)
    else if (key.length < KEY_MIN_CHARS)
      problems.push(`${source}: the key of ${id} has ${key.length} characters, needs at least ${KEY_MIN_CHARS}`)
    value[id] = key
  }
  return { value, problems }
}
