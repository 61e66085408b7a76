// `npm run keys`: rotate and list the signing keys of a key directory; --help on the program and each subcommand;
// a typo gets a suggestion and exit 2.
import { execFile } from 'node:child_process'
import { mkdtemp, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import t from 'tap'

const dir = await mkdtemp(path.join(tmpdir(), 'keys-cli-'))
t.teardown(() => rm(dir, { recursive: true, force: true }))

function keys(args: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', 'server/keys-cli.ts', ...args],
      { encoding: 'utf8', timeout: 60_000 },
      (error, stdout, stderr) =>
        resolve({ status: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    )
  })
}

t.test('--help on the program and on rotate and list: exit 0', async (t) => {
  const results = await Promise.all([keys(['--help']), keys(['rotate', '--help']), keys(['list', '--help'])])
  for (const r of results) t.equal(r.status, 0)
  t.match(results[0]!.stdout, /^Usage: keys \[options\] \[command\][\s\S]*rotate[\s\S]*list/)
  t.match(results[1]!.stdout, /^Usage: keys rotate \[options\][\s\S]*--dir <dir>/)
})

t.test('a typo: a suggestion and exit 2', async (t) => {
  const typo = await keys(['rotat'])
  t.equal(typo.status, 2)
  t.match(typo.stderr, /^keys: unknown command 'rotat'\n\(Did you mean rotate\?\)/)
})

t.test('positive twin: rotate adds a key to --dir, list shows it', async (t) => {
  const rotated = await keys(['rotate', '--dir', dir])
  t.equal(rotated.status, 0, rotated.stderr)
  const kid = /^added key (\S+),/.exec(rotated.stdout)?.[1]
  t.ok(kid, rotated.stdout)
  t.equal((await readdir(dir)).length, 1, 'one key file')
  const listed = await keys(['list', '--dir', dir])
  t.equal(listed.status, 0)
  t.match(listed.stdout, new RegExp(`^${kid} \\s*\\d{4}-`))
})
