// Which ffmpeg runs: a system one on PATH first, else the packaged static build; elsewhere one line says what is
// missing.
import { execFile } from 'node:child_process'
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'
import t from 'tap'
import { findFfmpeg } from '../../lib/ffmpeg-binary.ts'

const run = promisify(execFile)

t.test('PATH without ffmpeg: the packaged binary is found, and it runs', async (t) => {
  const empty = await mkdtemp(path.join(tmpdir(), 'no-ffmpeg-'))
  t.teardown(() => rm(empty, { recursive: true, force: true }))
  const lookup = findFfmpeg({ searchPath: empty, platform: 'linux', arch: 'x64' })
  if (!lookup.found) return t.fail(lookup.missing)
  t.equal(lookup.source, 'package')
  t.match(lookup.path, /@ffmpeg-installer[/\\]linux-x64[/\\]ffmpeg$/)
  const { stdout } = await run(lookup.path, ['-hide_banner', '-version'], { env: { PATH: empty } })
  t.match(stdout, /^ffmpeg version /)
})

t.test('an ffmpeg on PATH is preferred; a file that is not executable is passed over', async (t) => {
  const dir = await mkdtemp(path.join(tmpdir(), 'system-ffmpeg-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  const notExecutable = path.join(dir, 'a')
  const system = path.join(dir, 'b')
  await mkdir(notExecutable)
  await mkdir(system)
  await writeFile(path.join(notExecutable, 'ffmpeg'), '#!/bin/sh\necho not executable\n', { mode: 0o644 })
  await writeFile(path.join(system, 'ffmpeg'), '#!/bin/sh\necho fake ffmpeg\n')
  await chmod(path.join(system, 'ffmpeg'), 0o755)

  const lookup = findFfmpeg({ searchPath: `${notExecutable}:${system}`, platform: 'linux', arch: 'x64' })
  t.same(lookup, { found: true, path: path.join(system, 'ffmpeg'), source: 'system' })
  const none = findFfmpeg({ searchPath: notExecutable, platform: 'linux', arch: 'x64' })
  t.equal(none.found && none.source, 'package', 'the non-executable file alone does not count as a system ffmpeg')
})

t.test('no ffmpeg on PATH and no package for the platform: one line naming what is missing', async (t) => {
  const lookup = findFfmpeg({ searchPath: '', platform: 'darwin', arch: 'arm64' })
  if (lookup.found) return t.fail(`found ${lookup.path}`)
  t.notMatch(lookup.missing, /\n/)
  t.match(lookup.missing, /^ffmpeg not found: none on PATH .*darwin-arm64.*install ffmpeg/)
})
