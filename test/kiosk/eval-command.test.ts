import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import t from 'tap'
import { evalCommand } from '../../kiosk-sim/eval/eval-command.ts'
import { programOf, runProgram } from '../../lib/cli/run-program.ts'
import { rescoreFromCache } from '../../kiosk-sim/eval/run-eval.ts'
import { encodeEmbeddingCache, type CachedImage, type EmbeddingCache } from '../../models/eval/embedding-cache.ts'

// Three people, two photos each, 2-d unit vectors: genuine pairs score cos 10° = 0.985, impostors lower.
const at = (degrees: number) =>
  Float32Array.from([Math.cos((degrees * Math.PI) / 180), Math.sin((degrees * Math.PI) / 180)])
const image = (identity: string, n: number, degrees: number): CachedImage => ({
  file: `${identity}/${n}.jpg`,
  identity,
  faces: 1,
  fta: null,
  quality: { detectorScore: 0.9, faceSizePx: 150, antispoof: 0.8, liveness: 0.9, pose: null },
  ms: 100 + n,
  embedding: at(degrees),
})
const CACHE: EmbeddingCache = {
  model: { name: 'human+faceapi-resnet', version: 'test' },
  dataset: 'somewhere',
  subset: null,
  createdAt: '2026-11-26T00:00:00.000Z',
  images: [
    image('a', 1, 0),
    image('a', 2, 10),
    image('b', 1, 60),
    image('b', 2, 70),
    image('c', 1, 120),
    image('c', 2, 130),
  ],
}

t.test('re-scoring a cache: the report from the cached embeddings, without the engine', async (t) => {
  const run = rescoreFromCache(CACHE)
  t.equal(run.report.pairs.genuine, 3)
  t.equal(run.report.pairs.impostor, 12)
  t.equal(run.report.eer.eer, 0, 'genuine (0.985) above every impostor (at most cos 50° = 0.643)')
  t.ok(Math.abs(run.genuineScores[0]! - Math.cos(Math.PI / 18)) < 1e-6)
  t.equal(run.report.timing.workers, 0, 'no engine ran')
  t.equal(run.report.timing.msPerImageMedian, 101.5, 'the cached model times')
  t.same(Object.keys(run.report.fnmrAtFmr), ['0.01', '0.001', '0.0001'])
})

t.test('eval --from-embeddings writes the same JSON keys; flags that need the engine are refused', async (t) => {
  const dir = await mkdtemp(path.join(tmpdir(), 'eval-cmd-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  const cache = path.join(dir, 'emb.json')
  await writeFile(cache, encodeEmbeddingCache(CACHE))
  const out: string[] = []
  const io = { out: (s: string) => void out.push(s), err: (s: string) => void out.push(s) }
  const evalCli = (args: string[]) => runProgram(programOf('kiosk-sim', '', [evalCommand()]), ['eval', ...args], io)
  t.equal(
    await evalCli(['--from-embeddings', cache, '--json', path.join(dir, 'r.json'), '--max-fnmr-at-fmr', '0.05']),
    0,
  )
  const report = JSON.parse(await readFile(path.join(dir, 'r.json'), 'utf8'))
  for (const key of ['fta', 'eer', 'fnmrAtFmr', 'timing']) t.ok(key in report, key)
  t.same(Object.keys(report.fnmrAtFmr['0.001']).sort(), ['ciHigh', 'ciLow', 'fmr', 'fnmr', 'threshold'])

  out.length = 0
  t.equal(await evalCli(['--from-embeddings', cache, '--dataset', 'x']), 2, 'a dataset with a cache: usage')
  t.match(out.join(''), /'--from-embeddings <file>' cannot be used with option '--dataset <dir>'/)
  t.equal(await evalCli(['--from-embeddings', cache, '--embeddings', 'y']), 2)
  out.length = 0
  t.equal(await evalCli([]), 2, 'neither: usage')
  t.match(out.join(''), /--dataset DIR is required/)
  out.length = 0
  t.equal(await evalCli(['--from-embeddings', cache, '--max-fnmr-at-fmr', '5']), 2, 'a gate above 1: usage')
  t.match(out.join(''), /--max-fnmr-at-fmr <x>' argument '5' is invalid\. expected a fraction from 0 to 1/)
  await writeFile(path.join(dir, 'bad.json'), '{"format":"other"}')
  t.equal(await evalCli(['--from-embeddings', path.join(dir, 'bad.json')]), 1, 'a bad cache fails the run')
  t.match(out.join(''), /evaluation failed: format is other/)
})
