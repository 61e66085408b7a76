import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import t from 'tap'
import { parsePadManifest, readPadManifest } from '../../kiosk-sim/pad-eval/pad-manifest.ts'
import { parsePadEvalArgs } from '../../kiosk-sim/pad-eval/pad-eval-command.ts'

const good = [
  { file: 'bf/1.jpg', subject: 's1', presentation: 'bona-fide', species: null, source: 'kept out' },
  { file: 'at/1.jpg', subject: 's1', presentation: 'attack', species: 'printed-photo' },
]

t.test('a valid manifest parses; extra keys are dropped', async (t) => {
  t.same(parsePadManifest(good), [
    { file: 'bf/1.jpg', subject: 's1', presentation: 'bona-fide', species: null },
    { file: 'at/1.jpg', subject: 's1', presentation: 'attack', species: 'printed-photo' },
  ])
})

t.test('bad manifests fail with PAD_MANIFEST_INVALID and say where', async (t) => {
  const cases: Array<[string, unknown, RegExp]> = [
    ['not an array', { file: 'x' }, /non-empty array/],
    ['empty', [], /non-empty array/],
    ['no file', [{ ...good[0], file: '' }], /\[0\]: file/],
    ['outside', [good[0], { ...good[1], file: '../x.jpg' }], /\[1\]: \.\.\/x\.jpg is outside/],
    ['absolute', [{ ...good[0], file: '/etc/x.jpg' }], /outside/],
    ['twice', [good[0], good[0]], /listed twice/],
    ['no subject', [{ ...good[0], subject: '' }], /subject/],
    ['bad presentation', [{ ...good[0], presentation: 'live' }], /presentation must be/],
    ['attack without species', [{ ...good[1], species: null }], /needs a species/],
    ['bona fide with species', [{ ...good[0], species: 'printed-photo' }], /species null/],
  ]
  for (const [name, value, message] of cases) {
    t.throws(() => parsePadManifest(value), { code: 'PAD_MANIFEST_INVALID', message }, name)
  }
})

t.test('reading: a missing or broken file is PAD_MANIFEST_UNREADABLE; a good one reads', async (t) => {
  const dir = await mkdtemp(path.join(tmpdir(), 'pad-manifest-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  await t.rejects(readPadManifest(dir), { code: 'PAD_MANIFEST_UNREADABLE' })
  await writeFile(path.join(dir, 'manifest.json'), '[{')
  await t.rejects(readPadManifest(dir), { code: 'PAD_MANIFEST_UNREADABLE' })
  await writeFile(path.join(dir, 'manifest.json'), JSON.stringify(good))
  t.equal((await readPadManifest(dir)).length, 2)
})

t.test('options: --dataset or --from-analyses, workers default to the cores', async (t) => {
  t.match(parsePadEvalArgs(['--dataset', 'd'], 3), { dataset: 'd', workers: 3 })
  t.match(parsePadEvalArgs(['--dataset', 'd', '--workers', '1', '--json', 'j', '--html', 'h'], 3), {
    workers: 1,
    json: 'j',
    html: 'h',
  })
  t.match(parsePadEvalArgs(['--from-analyses', 'a.json'], 3), { fromAnalyses: 'a.json' })
  t.throws(() => parsePadEvalArgs([], 3), /--dataset is required/)
  t.throws(() => parsePadEvalArgs(['--dataset', 'd', '--workers', '0'], 3), /--workers/)
  t.throws(() => parsePadEvalArgs(['--from-analyses', 'a', '--dataset', 'd'], 3), /does not apply/)
  t.throws(() => parsePadEvalArgs(['--dataset', 'd', '--bogus'], 3))
})
