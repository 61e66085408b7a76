// The README's one configuration table names every environment variable the code reads: the server's schema, and
// every named process.env read in the source, scripts and tests. (Ignore-rules for the data folders are checked too.)
import { execFileSync } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import t from 'tap'
import { ServerEnv } from '../../server/env-schema.ts'

const FOLDERS = [
  'server',
  'kiosk-sim',
  'models',
  'lib',
  'tokens',
  'scripts',
  'bench',
  'fixtures',
  'test',
  'test-browser',
]

/** Names in the first cell of the rows of the table under "### Configuration". */
function documentedVariables(readme: string): Set<string> {
  const section = readme.split(/^### Configuration$/m)[1]?.split(/^#{2,3} /m)[0] ?? ''
  const rows = section.split('\n').filter((line) => line.startsWith('| `'))
  return new Set(rows.flatMap((row) => [...row.split('|')[1]!.matchAll(/`([A-Z][A-Z0-9_]*)`/g)].map((m) => m[1]!)))
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const file = path.join(dir, entry.name)
    if (entry.isDirectory()) return entry.name === 'node_modules' ? [] : sourceFiles(file)
    return /\.(ts|mts|mjs|js)$/.test(entry.name) ? [file] : []
  })
}

function variablesRead(): Map<string, string> {
  const read = new Map<string, string>()
  for (const file of FOLDERS.flatMap(sourceFiles)) {
    for (const match of readFileSync(file, 'utf8').matchAll(
      /process\.env(?:\.([A-Z][A-Z0-9_]*)|\[['"]([A-Z][A-Z0-9_]*)['"]\])/g,
    ))
      read.set(match[1] ?? match[2]!, file)
  }
  return read
}

const documented = documentedVariables(readFileSync('README.md', 'utf8'))

t.test('every variable of the server schema is in the table', async (t) => {
  const missing = Object.keys(ServerEnv.properties).filter((name) => !documented.has(name))
  t.same(missing, [])
})

t.test('every variable the code reads from process.env is in the table', async (t) => {
  const read = variablesRead()
  t.ok(read.has('TEST_DATABASE_URL') && read.has('KIOSK_KEY'), 'the scan finds reads in tests and in the kiosk')
  const missing = [...read].filter(([name]) => !documented.has(name)).map(([name, file]) => `${name} (${file})`)
  t.same(missing, [])
})

t.test('the table reader finds rows, and only rows of that table', async (t) => {
  const sample = '# x\n### Configuration\n\n| variable |\n|---|\n| `A_B`, `C` | x `NOT_A_NAME` |\n\n## Next\n| `D` |\n'
  t.same([...documentedVariables(sample)], ['A_B', 'C'])
})

t.test('the data folders the README makes are git-ignored; source folders of the same name are not', async (t) => {
  const ignored = (file: string) => {
    try {
      execFileSync('git', ['check-ignore', '-q', '--no-index', file])
      return true
    } catch {
      return false
    }
  }
  for (const file of ['data/template-key', 'data/echannel.db', 'keys/signing-1.pem', 'echannel.db', 'out/x.json'])
    t.ok(ignored(file), `${file} is ignored`)
  for (const file of ['server/keys/key-ring.ts', 'README.md']) t.notOk(ignored(file), `${file} is not ignored`)
})
