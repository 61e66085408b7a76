// The real server process started as `npm start` does, with nothing configured but a temporary DATA_DIR: the first
// start makes its keys, a restart reuses them (the enrolled template still opens), and the starts that cannot work
// (a bad environment, a template key that does not open the database, a port in use) say so in one line each.
import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import t, { type Test } from 'tap'

const SERVER_MAIN = fileURLToPath(new URL('../../server/main.ts', import.meta.url))
const SERVER_BIN = fileURLToPath(new URL('../../bin/echannel-server.mjs', import.meta.url))
const STACK_LINE = /^\s+at /m

/** The caller's shell must not configure these servers: only what a test gives. */
function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env }
  for (const name of Object.keys(env)) {
    if (
      /^(HOST|PORT|LOG_LEVEL|DATA_DIR|DATABASE_|TEMPLATE_KEY|OPERATOR_KEYS|KIOSK_KEYS|KEYS_DIR|KEY_|TOKEN_)/.test(name)
    )
      delete env[name]
    if (/^(REDIS_URL|ENROLMENT_RATE_LIMIT_PER_MIN|CALIBRATION_FILE)$/.test(name)) delete env[name]
  }
  return { ...env, HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'warn', ...extra }
}

interface Started {
  url: string
  stderr: () => string
  stop(): Promise<void>
}

/** Resolves with the URL once the server listens; rejects with its exit code and stderr if it exits first. */
function start(t: Test, env: NodeJS.ProcessEnv, argv = ['--import', 'tsx', SERVER_MAIN]): Promise<Started> {
  const child = spawn(process.execPath, argv, { env, stdio: ['ignore', 'pipe', 'pipe'] })
  t.teardown(() => void (child.exitCode === null && child.signalCode === null && child.kill('SIGKILL')))
  let stderr = ''
  child.stderr!.on('data', (chunk: Buffer) => void (stderr += chunk.toString()))
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no start in 120 s: ${stderr}`)), 120_000)
    child.once('exit', (code) => {
      clearTimeout(timer)
      reject(Object.assign(new Error(`exited with ${code}`), { exitCode: code, stderr }))
    })
    createInterface({ input: child.stdout! }).on('line', (line) => {
      if (!line.startsWith('{"listening"')) return
      clearTimeout(timer)
      child.removeAllListeners('exit')
      const exited = new Promise((done) => child.once('exit', done))
      resolve({
        url: (JSON.parse(line) as { listening: string }).listening,
        stderr: () => stderr,
        async stop() {
          child.kill('SIGTERM')
          await exited
        },
      })
    })
  })
}

/** The exit code and stderr of a start that must fail. */
async function failedStart(t: Test, env: NodeJS.ProcessEnv, argv?: string[]) {
  try {
    const running = await start(t, env, argv)
    await running.stop()
  } catch (error) {
    const { exitCode, stderr } = error as { exitCode?: number; stderr?: string }
    if (exitCode !== undefined) return { exitCode, stderr: stderr ?? '' }
    throw error
  }
  throw new Error('the server started')
}

async function health(url: string): Promise<unknown> {
  const reply = await fetch(`${url}/health`)
  return { status: reply.status, body: await reply.json() }
}

t.test('a bad environment: every problem named, exit 1, no stack (through the echannel-server bin)', async (t) => {
  const dataDir = path.join(tmpdir(), `never-made-${process.pid}`)
  const { exitCode, stderr } = await failedStart(
    t,
    cleanEnv({ DATA_DIR: dataDir, KIOSK_KEYS: 'kiosk-1', TOKEN_LIFETIME_SEC: '2m', PORT: 'http' }),
    [SERVER_BIN],
  )
  t.equal(exitCode, 1)
  t.same(stderr.trimEnd().split('\n'), [
    'server: cannot start: 3 configuration problems:',
    'server:   PORT: must be an integer 0..65535, got "http"',
    'server:   TOKEN_LIFETIME_SEC: must be an integer 10..600, got "2m"',
    'server:   KIOSK_KEYS: "kiosk-1" is not kioskId:key',
  ])
})

t.test('nothing configured: the first start makes the data folder, a restart reuses it', async (t) => {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'server-start-'))
  t.teardown(() => rm(dataDir, { recursive: true, force: true }))
  const env = cleanEnv({ DATA_DIR: dataDir })

  const first = await start(t, env)
  t.match(await health(first.url), { status: 200, body: { status: 'ok' } }, 'first start: /health')
  const operatorKey = (await readFile(path.join(dataDir, 'operator-keys'), 'utf8')).trim()
  const kioskKey = (await readFile(path.join(dataDir, 'kiosk-keys'), 'utf8')).trim().split(':')[1]!
  t.match(first.stderr(), `First start: made `)
  t.match(first.stderr(), `export OPERATOR_KEY=${operatorKey} KIOSK_KEY=${kioskKey}\n`, 'the new keys, shown once')
  // A template sealed with the folder's template key: the restart must open it again.
  const [resident] = JSON.parse(await readFile('fixtures/residents.json', 'utf8')) as Array<Record<string, unknown>>
  const photo = (await readFile(path.join('fixtures', resident!.enrolPhoto as string))).toString('base64')
  const { enrolPhoto: _, ...identity } = resident!
  const enrol = await fetch(`${first.url}/v1/residents`, {
    method: 'POST',
    headers: { authorization: `Bearer ${operatorKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ ...identity, photo }),
  })
  t.equal(enrol.status, 201, 'enrolled with the generated operator key')
  await first.stop()

  const second = await start(t, env)
  t.match(await health(second.url), { status: 200, body: { status: 'ok' } }, 'second start: /health')
  t.notMatch(second.stderr(), /First start|OPERATOR_KEY/, 'nothing new, nothing shown')
  const read = await fetch(`${second.url}/v1/residents/${encodeURIComponent(resident!.residentId as string)}`, {
    headers: { authorization: `Bearer ${operatorKey}` },
  })
  t.equal(read.status, 200, 'the same operator key and database')
  t.equal(second.stderr(), '', 'a quiet restart')

  await t.test('a port in use: one line, exit 1', async (t) => {
    const port = new URL(second.url).port
    const { exitCode, stderr } = await failedStart(t, { ...env, PORT: port })
    t.equal(exitCode, 1)
    t.same(stderr, `server: cannot start: PORT ${port} is in use on 127.0.0.1: stop what listens there, or set PORT\n`)
  })
  await second.stop()

  await t.test('a template key that does not open the database: one line naming it, exit 1, no stack', async (t) => {
    const { exitCode, stderr } = await failedStart(t, { ...env, TEMPLATE_KEY: randomBytes(32).toString('base64') })
    t.equal(exitCode, 1)
    t.notMatch(stderr, STACK_LINE)
    const db = path.join(dataDir, 'echannel.db')
    t.same(
      stderr,
      [
        `server: cannot start: TEMPLATE_KEY does not open the templates in ${db}: `,
        `use the key they were sealed with, or start a new database (move ${db} away)\n`,
      ].join(''),
    )
  })
})
