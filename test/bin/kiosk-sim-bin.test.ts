// The installed commands (package.json "bin") run on plain Node 20 from any folder: the .mjs shims register tsx,
// resolved from this package rather than from the caller's working directory.
import { spawnSync } from 'node:child_process'
import { tmpdir } from 'node:os'
import { fileURLToPath } from 'node:url'
import t from 'tap'

const bin = (name: string) => fileURLToPath(new URL(`../../bin/${name}`, import.meta.url))
const run = (file: string, args: string[]) =>
  // Executed as a shell would (its shebang), from a folder outside the package.
  spawnSync(file, args, { cwd: tmpdir(), encoding: 'utf8', timeout: 60_000 })

t.test('kiosk-sim --help prints the usage, not a loader error', async (t) => {
  const help = run(bin('kiosk-sim.mjs'), ['--help'])
  t.match(help.stdout + help.stderr, /usage:\n\s+kiosk-sim run .*\n[\s\S]*kiosk-sim simulate/)
  t.notMatch(help.stderr, /ERR_UNKNOWN_FILE_EXTENSION|Cannot find|\n\s+at /)
})

t.test('kiosk-sim runs a command through the shim', async (t) => {
  const simulate = run(bin('kiosk-sim.mjs'), ['simulate', '--hours', '1'])
  t.equal(simulate.status, 0, simulate.stderr)
  t.match(simulate.stdout, /^Control point: 1 h, /)
})

t.test('package.json points its commands at the shims', async (t) => {
  const { bin: commands } = (await import('../../package.json', { with: { type: 'json' } })).default as {
    bin: Record<string, string>
  }
  t.same(commands, { 'kiosk-sim': 'bin/kiosk-sim.mjs', 'echannel-server': 'bin/echannel-server.mjs' })
})
