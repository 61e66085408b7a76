// Which Chromium the browser tests drive: CHROMIUM_PATH, else the usual names on PATH; none is one line and exit 1.
import { spawnSync } from 'node:child_process'
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import t from 'tap'
import { findChromium } from '../../lib/chromium-binary.ts'

const CHECK = fileURLToPath(new URL('../../scripts/check-chromium.ts', import.meta.url))

async function fakeBrowser(dir: string, name: string): Promise<string> {
  await mkdir(dir, { recursive: true })
  const file = path.join(dir, name)
  await writeFile(file, '#!/bin/sh\nexit 0\n')
  await chmod(file, 0o755)
  return file
}

t.test('found on PATH under any usual name, or at CHROMIUM_PATH', async (t) => {
  const dir = await mkdtemp(path.join(tmpdir(), 'chromium-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  const chrome = await fakeBrowser(path.join(dir, 'a'), 'google-chrome')
  const chromium = await fakeBrowser(path.join(dir, 'b'), 'chromium')
  t.same(findChromium({ searchPath: path.join(dir, 'a') }), { found: true, path: chrome })
  t.same(findChromium({ searchPath: `${path.join(dir, 'a')}:${path.join(dir, 'b')}` }), { found: true, path: chrome })
  t.same(findChromium({ searchPath: path.join(dir, 'b') }), { found: true, path: chromium })
  t.same(findChromium({ chromiumPath: chrome, searchPath: path.join(dir, 'b') }), { found: true, path: chrome })
})

t.test('none found: one line naming what is missing and how to install it', async (t) => {
  const none = findChromium({ searchPath: '' })
  if (none.found) return t.fail(none.path)
  t.notMatch(none.missing, /\n/)
  t.match(none.missing, /^Chromium not found: .*CHROMIUM_PATH.*apt-get install -y chromium/)
  const wrong = findChromium({ chromiumPath: '/nonexistent/chrome', searchPath: '' })
  t.same(wrong, { found: false, missing: 'CHROMIUM_PATH=/nonexistent/chrome is not an executable file' })
})

t.test('npm run test:browser checks first: exit 1 and one line without Chromium, exit 0 with it', async (t) => {
  const dir = await mkdtemp(path.join(tmpdir(), 'chromium-check-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  const check = (env: NodeJS.ProcessEnv) =>
    spawnSync(process.execPath, ['--import', 'tsx', CHECK], { env, encoding: 'utf8', timeout: 60_000 })
  const missing = check({ PATH: dir })
  t.equal(missing.status, 1)
  t.match(missing.stderr, /^Chromium not found: [^\n]*\n$/)
  await fakeBrowser(dir, 'chromium-browser')
  const present = check({ PATH: dir })
  t.equal(present.status, 0, present.stderr)
  t.equal(present.stderr, '')
})
