// The server's environment: one schema, every problem at once and named by its variable (or data-folder file),
// and a data folder that the first start fills and later starts reuse.
import { randomBytes } from 'node:crypto'
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import t, { type Test } from 'tap'
import { ConfigError } from '../../server/config-error.ts'
import { configFromEnv } from '../../server/env-config.ts'

async function tempDir(t: Test): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'env-config-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  return dir
}

async function problemsOf(env: NodeJS.ProcessEnv): Promise<string[]> {
  try {
    await configFromEnv(env)
  } catch (error) {
    if (error instanceof ConfigError) return error.problems
    throw error
  }
  throw new Error('configFromEnv accepted the environment')
}

const exists = (file: string) =>
  stat(file).then(
    () => true,
    () => false,
  )

t.test('several bad variables: every one is named, in one report, and nothing is written', async (t) => {
  const dataDir = path.join(await tempDir(t), 'data')
  const problems = await problemsOf({
    DATA_DIR: dataDir,
    PORT: '80a',
    LOG_LEVEL: 'loud',
    TOKEN_LIFETIME_SEC: '2m',
    KEY_OVERLAP_SEC: '60',
    TOKEN_RATE_LIMIT_PER_MIN: '0',
    KIOSK_KEYS: 'kiosk-1,bad id:kiosk-secret-1234567,kiosk-2:short',
    OPERATOR_KEYS: 'operator-secret-123456,tiny',
    TEMPLATE_KEY: 'c2hvcnQ=',
    DATABASE_URL: 'mysql://db/x',
    DATABASE_SCHEMA: 'Bad-Name',
    REDIS_URL: 'http://127.0.0.1:6379',
    CALIBRATION_FILE: path.join(dataDir, 'nope.json'),
  })
  const calibration = path.join(dataDir, 'nope.json')
  t.same(problems.sort(), [
    `CALIBRATION_FILE: calibration ${calibration}: ENOENT: no such file or directory, open '${calibration}'`,
    'DATABASE_SCHEMA: must match ^[a-z_][a-z0-9_]{0,62}$, got "Bad-Name"',
    'DATABASE_URL: must start with postgres:// or postgresql://',
    'KEY_OVERLAP_SEC: must be at least TOKEN_LIFETIME_SEC (120), got 60',
    'KIOSK_KEYS: "kiosk-1" is not kioskId:key',
    'KIOSK_KEYS: kiosk id "bad id" is not [A-Za-z0-9_-]{1,64}',
    'KIOSK_KEYS: the key of kiosk-2 has 5 characters, needs at least 16',
    'LOG_LEVEL: must be one of fatal, error, warn, info, debug, trace, silent, got "loud"',
    'OPERATOR_KEYS: key 2 of 2 has 4 characters, needs at least 16',
    'PORT: must be an integer 0..65535, got "80a"',
    'REDIS_URL: must start with redis:// or rediss://',
    'TEMPLATE_KEY: must be 32 random bytes, base64 (openssl rand -base64 32), got 5 bytes',
    'TOKEN_LIFETIME_SEC: must be an integer 10..600, got "2m"',
    'TOKEN_RATE_LIMIT_PER_MIN: must be an integer >= 1, got "0"',
  ])
  t.notOk(problems.join('\n').includes('kiosk-secret-1234567'), 'no secret is repeated')
  t.notOk(await exists(dataDir), 'a bad environment makes no data folder')
})

t.test('a complete environment: parsed values, and no data folder is made', async (t) => {
  const dir = await tempDir(t)
  const templateKey = randomBytes(32)
  const settings = await configFromEnv({
    DATA_DIR: path.join(dir, 'data'),
    HOST: '0.0.0.0',
    PORT: '9090',
    LOG_LEVEL: 'warn',
    DATABASE_PATH: path.join(dir, 'x.db'),
    TEMPLATE_KEY: templateKey.toString('base64'),
    OPERATOR_KEYS: 'operator-secret-123456, second-operator-key-1',
    KIOSK_KEYS: 'kiosk-1:kiosk-secret-1234567,gate_2:kiosk-secret-7654321',
    KEYS_DIR: path.join(dir, 'keys'),
    KEY_OVERLAP_SEC: '600',
    TOKEN_LIFETIME_SEC: '60',
    TOKEN_ISSUER: 'iss-x',
    TOKEN_AUDIENCE: 'aud-y',
    REDIS_URL: 'redis://127.0.0.1:6379',
    TOKEN_RATE_LIMIT_PER_MIN: '45',
    ENROLMENT_RATE_LIMIT_PER_MIN: '7',
    // Not the server's: ignored.
    SOMETHING_ELSE: 'x',
  })
  t.same(settings.listen, { host: '0.0.0.0', port: 9090 })
  const c = settings.config
  t.equal(c.databasePath, path.join(dir, 'x.db'))
  t.ok(c.templateKey.equals(templateKey))
  t.same(c.operatorKeys, ['operator-secret-123456', 'second-operator-key-1'])
  t.same(c.kioskKeys, { 'kiosk-1': 'kiosk-secret-1234567', gate_2: 'kiosk-secret-7654321' })
  t.equal(c.keyDirectory, path.join(dir, 'keys'))
  t.equal(c.signingKeys.length, 1, 'the empty key folder got its first key')
  t.match(c, {
    keyOverlapSec: 600,
    tokenLifetimeSec: 60,
    issuer: 'iss-x',
    audience: 'aud-y',
    redisUrl: 'redis://127.0.0.1:6379',
    rateLimits: { tokensPerMinute: 45, enrolmentsPerMinute: 7 },
    logLevel: 'warn',
  })
  t.equal(settings.sources.templateKey, 'TEMPLATE_KEY')
  t.equal(settings.firstStart, null)
  t.notOk(await exists(path.join(dir, 'data')), 'everything was given: the data folder is not touched')
})

t.test('empty values count as unset: the defaults apply', async (t) => {
  const dir = await tempDir(t)
  const settings = await configFromEnv({ DATA_DIR: dir, PORT: '', LOG_LEVEL: '', TOKEN_LIFETIME_SEC: '' })
  t.same(settings.listen, { host: '127.0.0.1', port: 8080 })
  t.equal(settings.config.logLevel, 'info')
  t.equal(settings.config.tokenLifetimeSec, 120)
})

t.test('nothing configured: the first start makes the data folder, the second reuses it', async (t) => {
  const dataDir = path.join(await tempDir(t), 'data')
  const first = await configFromEnv({ DATA_DIR: dataDir })
  t.same(first.firstStart?.made.sort(), ['keys/', 'kiosk-keys', 'operator-keys', 'template-key'])
  t.match(first.firstStart, { dataDir, operatorKey: /^op_.{32}$/, kioskKeys: /^kiosk-1:kk_.{32}$/ })
  t.equal(first.config.databasePath, path.join(dataDir, 'echannel.db'))
  t.equal(first.config.keyDirectory, path.join(dataDir, 'keys'))
  t.equal(first.sources.templateKey, `the template key in ${path.join(dataDir, 'template-key')}`)
  t.equal((await stat(dataDir)).mode & 0o777, 0o700)
  for (const file of ['template-key', 'operator-keys', 'kiosk-keys', 'echannel.db']) {
    t.equal((await stat(path.join(dataDir, file))).mode & 0o777, 0o600, `${file} is owner-only`)
  }
  t.equal((await readFile(path.join(dataDir, 'operator-keys'), 'utf8')).trim(), first.firstStart?.operatorKey)

  const second = await configFromEnv({ DATA_DIR: dataDir })
  t.equal(second.firstStart, null, 'nothing new to show')
  t.ok(second.config.templateKey.equals(first.config.templateKey))
  t.same(second.config.operatorKeys, first.config.operatorKeys)
  t.same(second.config.kioskKeys, first.config.kioskKeys)
  t.same(
    second.config.signingKeys.map((k) => k.kid),
    first.config.signingKeys.map((k) => k.kid),
  )

  // An explicit variable still wins over its file.
  const explicit = await configFromEnv({ DATA_DIR: dataDir, OPERATOR_KEYS: 'operator-secret-123456' })
  t.same(explicit.config.operatorKeys, ['operator-secret-123456'])
})

t.test('a damaged data-folder file is named by its path', async (t) => {
  const dataDir = await tempDir(t)
  await configFromEnv({ DATA_DIR: dataDir })
  await writeFile(path.join(dataDir, 'kiosk-keys'), 'kiosk-1\n')
  t.same(await problemsOf({ DATA_DIR: dataDir }), [`${path.join(dataDir, 'kiosk-keys')}: "kiosk-1" is not kioskId:key`])
})
