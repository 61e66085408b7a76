// The installed commands (package.json "bin") run on plain Node 20 from any folder: the .mjs shims register tsx,
// resolved from this package rather than from the caller's working directory. Through the shim, as a user types it:
// help for every command, usage errors (exit 2), and the start-up checks (exit 1, one line) before the engine loads.
import { execFile } from 'node:child_process'
import { tmpdir } from 'node:os'
import { fileURLToPath } from 'node:url'
import t from 'tap'
import { buildTestApp, KIOSK_KEY, OPERATOR_KEY } from '../helpers/test-app.ts'

const bin = (name: string) => fileURLToPath(new URL(`../../bin/${name}`, import.meta.url))
const repo = fileURLToPath(new URL('../..', import.meta.url))

/** Runs the shim as a shell would (its shebang), without blocking this process (an in-process server answers). */
function run(args: string[], cwd = tmpdir()): Promise<{ status: number; stdout: string; stderr: string }> {
  const env = { ...process.env }
  delete env.OPERATOR_KEY
  delete env.KIOSK_KEY
  return new Promise((resolve) => {
    execFile(bin('kiosk-sim.mjs'), args, { cwd, env, encoding: 'utf8', timeout: 60_000 }, (error, stdout, stderr) =>
      resolve({ status: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    )
  })
}

const lines = (text: string) => text.trimEnd().split('\n')

t.test('kiosk-sim --help lists the commands, not a loader error', async (t) => {
  const help = await run(['--help'])
  t.equal(help.status, 0)
  t.match(help.stdout, /^Usage: kiosk-sim \[options\] \[command\]\n[\s\S]*Commands:\n\s+run [\s\S]*simulate/)
  t.notMatch(help.stderr, /ERR_UNKNOWN_FILE_EXTENSION|Cannot find|\n\s+at /)
})

t.test('npx kiosk-sim <command> --help works for every command', async (t) => {
  const results = await Promise.all(
    ['run', 'loadtest', 'simulate', 'serve', 'eval', 'pad-eval'].map((c) => run([c, '--help'])),
  )
  for (const [i, command] of ['run', 'loadtest', 'simulate', 'serve', 'eval', 'pad-eval'].entries()) {
    t.equal(results[i]!.status, 0, `${command} --help: exit 0`)
    t.match(results[i]!.stdout, new RegExp(`^Usage: kiosk-sim ${command} \\[options\\]`))
    t.match(results[i]!.stdout, /--version[\s\S]*--help/)
  }
})

t.test('kiosk-sim runs a command through the shim', async (t) => {
  const simulate = await run(['simulate', '--hours', '1'])
  t.equal(simulate.status, 0, simulate.stderr)
  t.match(simulate.stdout, /^Control point: 1 h, /)
})

t.test('loadtest --duration abc: one line naming --duration, exit 2', async (t) => {
  const bad = await run(['loadtest', '--embedded', '--duration', 'abc'])
  t.equal(bad.status, 2)
  t.equal(
    lines(bad.stderr)[0],
    "kiosk-sim loadtest: option '--duration <seconds>' argument 'abc' is invalid. expected a number of seconds > 0",
  )
  t.ok(lines(bad.stderr).length <= 3)
})

t.test('positive twin: --duration 5 passes; the run stops at the dead server instead (exit 1)', async (t) => {
  const dead = await run(
    ['loadtest', '--duration', '5', '--server', 'http://127.0.0.1:9', '--operator-key', 'o', '--kiosk-keys', 'k1:key'],
    repo,
  )
  t.equal(dead.status, 1)
  t.same(lines(dead.stderr), ['kiosk-sim: cannot reach http://127.0.0.1:9 (ECONNREFUSED): is the server running?'])
})

t.test('an unknown command gets a suggestion, exit 2; the known one runs', async (t) => {
  const typo = await run(['runn'])
  t.equal(typo.status, 2)
  t.match(typo.stderr, /^kiosk-sim: unknown command 'runn'\n\(Did you mean run\?\)/)
  t.equal((await run(['run', '--help'])).status, 0)
})

t.test('run and serve on a dead server: one line with the URL and the cause, exit 1', async (t) => {
  const server = ['--server', 'http://127.0.0.1:9', '--kiosk-key', 'k', '--operator-key', 'o']
  for (const args of [
    ['run', ...server, '--fixtures', 'fixtures'],
    ['serve', ...server, '--port', '0'],
  ]) {
    const dead = await run(args, repo)
    t.equal(dead.status, 1, `${args[0]}: exit 1`)
    t.same(lines(dead.stderr), ['kiosk-sim: cannot reach http://127.0.0.1:9 (ECONNREFUSED): is the server running?'])
  }
})

t.test('a wrong kiosk key or operator key against a running server: one line, exit 1', async (t) => {
  const { app } = await buildTestApp(t)
  const url = await app.listen({ port: 0, host: '127.0.0.1' })
  const base = ['run', '--server', url, '--fixtures', 'fixtures']
  const kiosk = await run([...base, '--kiosk-key', 'wrong-kiosk-key-123456', '--operator-key', OPERATOR_KEY], repo)
  t.equal(kiosk.status, 1)
  t.same(lines(kiosk.stderr), [
    `kiosk-sim: the server at ${url} refused the kiosk key for kiosk-1 (401): ` +
      "check --kiosk-key / KIOSK_KEY against the server's KIOSK_KEYS",
  ])
  const id = await run(
    [...base, '--kiosk-key', KIOSK_KEY, '--operator-key', OPERATOR_KEY, '--kiosk-id', 'kiosk-9'],
    repo,
  )
  t.equal(id.status, 1)
  t.match(id.stderr, /^kiosk-sim: the kiosk key belongs to kiosk-1, not kiosk-9: check --kiosk-id/)
  const op = await run([...base, '--kiosk-key', KIOSK_KEY, '--operator-key', 'wrong-operator-123456'], repo)
  t.equal(op.status, 1)
  t.match(op.stderr, /^kiosk-sim: the server at \S+ refused the operator key \(enrolment, 401\)/)

  // Positive twin: the right keys pass the check; this run then stops at its (missing) calibration file, before
  // any engine loads, which shows the check let it through.
  const right = await run(
    [...base, '--kiosk-key', KIOSK_KEY, '--operator-key', OPERATOR_KEY, '--calibration', '/none.json'],
    repo,
  )
  t.equal(right.status, 1)
  t.match(right.stderr, /^kiosk-sim: calibration \/none\.json: ENOENT/)
  t.notMatch(right.stderr, /refused|cannot reach/)
})

t.test('--fixtures on a folder that is not there: one line before anything starts, exit 2', async (t) => {
  const missing = await run(['run', '--embedded', '--fixtures', 'nope-folder'], repo)
  t.equal(missing.status, 2)
  t.equal(lines(missing.stderr)[0], 'kiosk-sim run: --fixtures nope-folder: no residents.json (see fixtures/README.md)')
})

t.test('package.json points its commands at the shims', async (t) => {
  const { bin: commands } = (await import('../../package.json', { with: { type: 'json' } })).default as {
    bin: Record<string, string>
  }
  t.same(commands, { 'kiosk-sim': 'bin/kiosk-sim.mjs', 'echannel-server': 'bin/echannel-server.mjs' })
})
