import t from 'tap'
import { fmrForFpir, nonMatedBestScores, predictedFpir } from '../../models/eval/duplicate-search.ts'
import type { MultiSample, MultiTemplateProtocol } from '../../models/eval/multi-template.ts'

const v = (...xs: number[]) => Float32Array.from(xs)
// Templates: A = image 0, B = image 2, C = image 3. Image 1 is a second photo of A.
const SAMPLES: MultiSample[] = [
  { identity: 'A', embedding: v(1, 0) },
  { identity: 'A', embedding: v(0.6, 0.8) },
  { identity: 'B', embedding: v(0, 1) },
  { identity: 'C', embedding: v(-1, 0) },
]
const PROTOCOL: MultiTemplateProtocol = {
  maxK: 1,
  seed: 0,
  splits: [
    { identity: 'A', gallery: [0], probes: [1] },
    { identity: 'B', gallery: [2], probes: [] },
    { identity: 'C', gallery: [3], probes: [] },
  ],
  acquired: [0, 1, 2, 3],
  identityOf: SAMPLES.map((s) => s.identity),
}
const r4 = (xs: Float64Array) => [...xs].map((x) => Math.round(x * 1e4) / 1e4)

t.test('non-mated searches: best score over the other identities, own identity left out', async (t) => {
  // Probe 0 (A) vs B 0, C -1 -> 0; probe 1 (A) vs B 0.8, C -0.6 -> 0.8; probe 2 (B) vs A 0, C 0 -> 0;
  // probe 3 (C) vs A -1, B 0 -> 0.
  t.same(r4(nonMatedBestScores(SAMPLES, PROTOCOL, 10)), [0, 0.8, 0, 0])
  t.same(r4(nonMatedBestScores(SAMPLES, PROTOCOL, 2)), [0, 0.8, 0, 0], 'N = all others: the same')
  const one = r4(nonMatedBestScores(SAMPLES, PROTOCOL, 1, 5))
  t.ok(one[1] === 0.8 || one[1] === -0.6, 'a gallery of one: one of the two others')
  t.ok(
    one.every((s, i) => s <= [0, 0.8, 0, 0][i]!),
    'a smaller gallery never has a higher best score',
  )
  t.same(r4(nonMatedBestScores(SAMPLES, PROTOCOL, 1, 5)), one, 'seeded')
  t.throws(() => nonMatedBestScores(SAMPLES, PROTOCOL, 0), RangeError)
})

t.test('independence model of FPIR', async (t) => {
  t.ok(Math.abs(predictedFpir(0.5, 2) - 0.75) < 1e-12, '1 - 0.5^2')
  t.equal(predictedFpir(0, 1000), 0)
  t.ok(Math.abs(predictedFpir(0.01, 1) - 0.01) < 1e-12, 'a gallery of one is a 1:1 comparison')
  t.ok(Math.abs(fmrForFpir(0.75, 2) - 0.5) < 1e-12, 'the inverse')
  t.ok(Math.abs(fmrForFpir(0.01, 1000) - 1.00503e-5) < 1e-9, 'FPIR 1% over 1,000 identities needs FMR about 1e-5')
  t.throws(() => predictedFpir(1.5, 2), RangeError)
  t.throws(() => fmrForFpir(0, 10), RangeError)
  t.throws(() => fmrForFpir(0.01, 0), RangeError)
})
