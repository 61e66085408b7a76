import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import t from 'tap'
import { parsePadManifest, readPadManifest } from '../../kiosk-sim/pad-eval/pad-manifest.ts'
import { padEvalArgsFrom, padEvalCommand } from '../../kiosk-sim/pad-eval/pad-eval-command.ts'
import { programOf, runProgram } from '../../lib/cli/run-program.ts'

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
  t.match(padEvalArgsFrom({ dataset: 'd' }, 3), { dataset: 'd', workers: 3 })
  t.match(padEvalArgsFrom({ dataset: 'd', workers: 1, json: 'j', html: 'h' }, 3), { workers: 1, json: 'j', html: 'h' })
  t.match(padEvalArgsFrom({ fromAnalyses: 'a.json' }, 3), { fromAnalyses: 'a.json' })
  t.throws(() => padEvalArgsFrom({}, 3), /--dataset DIR is required/)
})

t.test('usage errors exit 2 naming the flag; --help exits 0', async (t) => {
  const run = async (argv: string[]) => {
    let err = ''
    let out = ''
    const code = await runProgram(programOf('kiosk-sim', '', [padEvalCommand()]), ['pad-eval', ...argv], {
      out: (s) => void (out += s),
      err: (s) => void (err += s),
    })
    return { code, err, out }
  }
  t.match(await run(['--dataset', 'd', '--workers', '0']), { code: 2, err: /--workers/ })
  t.match(await run(['--from-analyses', 'a', '--dataset', 'd']), { code: 2, err: /--from-analyses|--dataset/ })
  t.match(await run(['--dataset', 'd', '--bogus']), { code: 2, err: /--bogus/ })
  t.match(await run(['--help']), { code: 0, out: /--from-analyses/ })
})
