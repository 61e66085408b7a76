import t from 'tap'
import {
  galleryScorer,
  samePersonRejectShare,
  scoreMultiTemplate,
  splitForEnrolment,
  type MultiSample,
  type MultiTemplateProtocol,
} from '../../models/eval/multi-template.ts'

const v = (...xs: number[]) => Float32Array.from(xs)
const S = 0.707107
/** Scores rounded to 6 decimals: the embeddings are Float32. */
const r6 = (xs: Iterable<number> | number): number[] | number =>
  typeof xs === 'number' ? Math.round(xs * 1e6) / 1e6 : [...xs].map((x) => Math.round(x * 1e6) / 1e6)

t.test('gallery fusions: mean template and max of scores, by hand', async (t) => {
  const photos = [v(1, 0, 0), v(0, 1, 0)]
  // Mean of the two unit vectors, normalised: (1/√2, 1/√2, 0).
  t.equal(r6(galleryScorer(photos, 'mean')(v(1, 0, 0))), S, 'cos 45° against the mean')
  t.equal(galleryScorer(photos, 'max')(v(1, 0, 0)), 1, 'best single photo')
  t.equal(galleryScorer(photos, 'mean')(v(0, 0, 1)), 0)
  t.equal(galleryScorer(photos, 'max')(v(0, 0, 1)), 0)
  t.equal(
    galleryScorer([v(1, 0, 0)], 'mean')(v(1, 0, 0)),
    galleryScorer([v(1, 0, 0)], 'max')(v(1, 0, 0)),
    'k = 1: the fusions agree',
  )
  t.throws(() => galleryScorer([], 'mean'), RangeError)
})

// A hand-made protocol: A enrols with images 0, 1 and probes with 2; B enrols with 3, 4 and has no probe.
const SAMPLES: MultiSample[] = [
  { identity: 'A', embedding: v(1, 0, 0) },
  { identity: 'A', embedding: v(0, 1, 0) },
  { identity: 'A', embedding: v(1, 0, 0) },
  { identity: 'B', embedding: v(0, 0, 1) },
  { identity: 'B', embedding: v(0, 1, 0) },
  { identity: 'C', embedding: v(1, 0, 0) },
]
const PROTOCOL: MultiTemplateProtocol = {
  maxK: 2,
  seed: 0,
  splits: [
    { identity: 'A', gallery: [0, 1], probes: [2] },
    { identity: 'B', gallery: [3, 4], probes: [] },
  ],
  acquired: [0, 1, 2, 3, 4, 5],
  identityOf: SAMPLES.map((s) => s.identity),
}

t.test('genuine and impostor scores of a hand-made split', async (t) => {
  const k1 = scoreMultiTemplate(SAMPLES, PROTOCOL, 1, 'mean')
  t.same([...k1.genuine], [1], 'A probe 2 = A photo 0')
  // A's gallery (image 0) against B's 3, 4 and C's 5; then B's (image 3) against A's 0, 1, 2 and C's 5.
  t.same([...k1.impostor], [0, 0, 1, 0, 0, 0, 0])
  const k2mean = scoreMultiTemplate(SAMPLES, PROTOCOL, 2, 'mean')
  t.same(r6(k2mean.genuine), [S])
  // Mean of A = (S, S, 0) against B's 3, 4 and C's 5; mean of B = (0, S, S) against A's 0, 1, 2 and C's 5.
  t.same(r6(k2mean.impostor), [0, S, S, 0, S, 0, 0])
  const k2max = scoreMultiTemplate(SAMPLES, PROTOCOL, 2, 'max')
  t.same([...k2max.genuine], [1])
  t.same([...k2max.impostor], [0, 1, 1, 0, 1, 0, 0])
})

t.test('k must be within 1..maxK', async (t) => {
  t.throws(() => scoreMultiTemplate(SAMPLES, PROTOCOL, 0, 'mean'), RangeError)
  t.throws(() => scoreMultiTemplate(SAMPLES, PROTOCOL, 3, 'mean'), RangeError)
  t.doesNotThrow(() => scoreMultiTemplate(SAMPLES, PROTOCOL, 2, 'mean'))
})

t.test('the split: whole identities, seeded, failures to acquire left out, the same probes for every k', async (t) => {
  const samples: MultiSample[] = []
  for (let i = 0; i < 5; i++) samples.push({ identity: 'A', embedding: v(1, i, 0) })
  for (let i = 0; i < 3; i++) samples.push({ identity: 'B', embedding: v(0, 1, i) })
  samples.push({ identity: 'C', embedding: v(0, 0, 1) }, { identity: 'C', embedding: new Float32Array(0) })
  const split = splitForEnrolment(samples, 3, 7)
  t.same(
    split.splits.map((s) => s.identity),
    ['A', 'B'],
    'C has one acquired photo: no gallery of 3',
  )
  const a = split.splits[0]!
  t.equal(a.gallery.length, 3)
  t.same([...a.gallery, ...a.probes].sort(), [0, 1, 2, 3, 4], 'every photo of A is either enrolled or a probe')
  t.same(split.splits[1]!.probes, [], 'B has exactly 3: a gallery, no probe')
  t.notOk(split.acquired.includes(9), 'the failed image is no probe')
  t.same(splitForEnrolment(samples, 3, 7), split, 'same seed, same split')
  const counts = [1, 2, 3].map((k) => scoreMultiTemplate(samples, split, k, 'mean'))
  t.same(
    counts.map((c) => c.genuine.length),
    [2, 2, 2],
    'k = 1, 2, 3 on the same probes',
  )
  t.same(
    counts.map((c) => c.impostor.length),
    [10, 10, 10],
    "A's gallery vs 3 B + 1 C, B's vs 5 A + 1 C, for every k",
  )
  t.throws(() => splitForEnrolment(samples, 0), RangeError)
})

t.test('same-person check: a gallery is refused when some pair is below the threshold', async (t) => {
  t.same(
    samePersonRejectShare(SAMPLES, PROTOCOL, 2, 0.5),
    { rejected: 2, galleries: 2 },
    'both galleries hold orthogonal photos',
  )
  t.same(
    samePersonRejectShare(SAMPLES, PROTOCOL, 2, -0.5),
    { rejected: 0, galleries: 2 },
    'a low threshold lets them through',
  )
  t.same(
    samePersonRejectShare(SAMPLES, PROTOCOL, 1, 0.99),
    { rejected: 0, galleries: 2 },
    'one photo has no pair to fail',
  )
})
