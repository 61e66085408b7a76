import t from 'tap'
import {
  buildPairs,
  createPrng,
  selectIdentitySubset,
  type PairList,
  type PairSample,
} from '../../models/eval/pairs.ts'

// A: images 0, 1, 2; B: images 3, 4; C: image 5.
const SAMPLES: PairSample[] = [
  { index: 0, identity: 'A', acquired: true },
  { index: 1, identity: 'A', acquired: true },
  { index: 2, identity: 'A', acquired: true },
  { index: 3, identity: 'B', acquired: true },
  { index: 4, identity: 'B', acquired: true },
  { index: 5, identity: 'C', acquired: true },
]
const IDENTITY = new Map(SAMPLES.map((s) => [s.index, s.identity]))
const list = (p: PairList): Array<[number, number]> => Array.from(p.a, (a, i) => [a, p.b[i]!])

t.test('all genuine and impostor pairs under the cap', async (t) => {
  const pairs = buildPairs(SAMPLES)
  // Genuine: C(3,2) + C(2,2) = 4; impostor: C(6,2) - 4 = 11.
  t.same(list(pairs.genuine), [
    [0, 1],
    [0, 2],
    [1, 2],
    [3, 4],
  ])
  t.equal(pairs.impostor.length, 11)
  t.equal(pairs.impostorAvailable, 11)
  t.equal(pairs.impostorSampled, false)
  t.same(pairs.excludedByFta, { genuine: 0, impostor: 0 })
  for (const [a, b] of list(pairs.impostor)) t.not(IDENTITY.get(a), IDENTITY.get(b), `${a}-${b} is an impostor pair`)
  t.same(
    list(pairs.impostor).slice(0, 4),
    [
      [0, 3],
      [0, 4],
      [0, 5],
      [1, 3],
    ],
    'in input order',
  )
})

t.test('images that failed to acquire take part in no pair', async (t) => {
  const samples = SAMPLES.map((s) => (s.index === 1 ? { ...s, acquired: false } : s))
  const pairs = buildPairs(samples)
  t.same(list(pairs.genuine), [
    [0, 2],
    [3, 4],
  ])
  t.equal(pairs.impostor.length, 8, 'C(5,2) - 2')
  // Lost: genuine 0-1 and 1-2; impostor 1-3, 1-4, 1-5.
  t.same(pairs.excludedByFta, { genuine: 2, impostor: 3 })
  t.notOk(list(pairs.impostor).some(([a, b]) => a === 1 || b === 1))
})

t.test('impostors above the cap are sampled deterministically', async (t) => {
  const sampled = buildPairs(SAMPLES, { maxImpostors: 5, seed: 42 })
  t.equal(sampled.impostor.length, 5)
  t.equal(sampled.impostorAvailable, 11)
  t.equal(sampled.impostorSampled, true)
  t.equal(sampled.genuine.length, 4, 'genuine pairs are never sampled')
  const keys = list(sampled.impostor).map(([a, b]) => `${a}-${b}`)
  t.equal(new Set(keys).size, 5, 'without replacement')
  for (const [a, b] of list(sampled.impostor)) t.not(IDENTITY.get(a), IDENTITY.get(b))
  t.same(
    list(buildPairs(SAMPLES, { maxImpostors: 5, seed: 42 }).impostor),
    list(sampled.impostor),
    'same seed, same sample',
  )

  const bigger = Array.from({ length: 60 }, (_, i): PairSample => ({
    index: i,
    identity: `id${i % 20}`,
    acquired: true,
  }))
  const one = list(buildPairs(bigger, { maxImpostors: 100, seed: 1 }).impostor)
  const two = list(buildPairs(bigger, { maxImpostors: 100, seed: 2 }).impostor)
  t.notSame(one, two, 'another seed, another sample')
  t.equal(buildPairs(bigger, { maxImpostors: 0 }).impostor.length, 0, 'a cap of 0 keeps none')
})

t.test('sampling is uniform over impostor pairs', async (t) => {
  // Over 2,200 seeds, each of the 11 pairs should be drawn 5/11 of the time: 1,000 +- ~23 (1 sd).
  const counts = new Map<string, number>()
  for (let seed = 0; seed < 2200; seed++) {
    for (const [a, b] of list(buildPairs(SAMPLES, { maxImpostors: 5, seed }).impostor)) {
      counts.set(`${a}-${b}`, (counts.get(`${a}-${b}`) ?? 0) + 1)
    }
  }
  t.equal(counts.size, 11)
  for (const [pair, n] of counts) t.ok(Math.abs(n - 1000) < 120, `${pair} drawn ${n} times`)
})

t.test('input is checked', async (t) => {
  t.throws(() => buildPairs([...SAMPLES, { index: 0, identity: 'D', acquired: true }]), RangeError, 'duplicate index')
  t.throws(() => buildPairs(SAMPLES, { maxImpostors: -1 }), RangeError)
  t.doesNotThrow(() => buildPairs([...SAMPLES, { index: 6, identity: 'D', acquired: true }]), 'distinct index')
  const empty = buildPairs([])
  t.equal(empty.genuine.length + empty.impostor.length, 0)
})

t.test('PRNG is seeded and in [0, 1)', async (t) => {
  const a = createPrng(123)
  const b = createPrng(123)
  const c = createPrng(124)
  const xs = Array.from({ length: 1000 }, () => a())
  t.same(
    Array.from({ length: 1000 }, () => b()),
    xs,
    'same seed, same sequence',
  )
  t.notSame(
    Array.from({ length: 1000 }, () => c()),
    xs,
    'another seed, another sequence',
  )
  t.ok(xs.every((x) => x >= 0 && x < 1))
  const mean = xs.reduce((s, x) => s + x, 0) / xs.length
  t.ok(Math.abs(mean - 0.5) < 0.05, `mean ${mean}`)
})

t.test('identity subset: whole identities, deterministic, multi-image identities first', async (t) => {
  // 10 identities with 3 images, then 10 with one image.
  const identities = [
    ...Array.from({ length: 30 }, (_, i) => `multi${Math.floor(i / 3)}`),
    ...Array.from({ length: 10 }, (_, i) => `single${i}`),
  ]
  const subset = selectIdentitySubset(identities, 12, 9)
  t.equal(subset.length, 12)
  t.same(
    subset,
    [...subset].sort((a, b) => a - b),
    'positions ascend',
  )
  const chosen = subset.map((i) => identities[i]!)
  t.ok(
    chosen.every((id) => id.startsWith('multi')),
    'identities with pairs first',
  )
  for (const id of new Set(chosen)) t.equal(chosen.filter((x) => x === id).length, 3, `${id} is whole`)
  t.same(selectIdentitySubset(identities, 12, 9), subset, 'same seed, same subset')
  t.notSame(selectIdentitySubset(identities, 12, 10), subset, 'another seed, another subset')

  // Manifest order does not matter: reversed input picks the same identities.
  const reversed = [...identities].reverse()
  const fromReversed = new Set(selectIdentitySubset(reversed, 12, 9).map((i) => reversed[i]))
  t.same([...fromReversed].sort(), [...new Set(chosen)].sort())

  const withSingles = selectIdentitySubset(identities, 32, 9).map((i) => identities[i]!)
  t.equal(withSingles.length, 32, 'singles fill the room that multi-image identities leave')
  t.equal(withSingles.filter((id) => id.startsWith('single')).length, 2)
  t.same(
    selectIdentitySubset(identities, 100),
    identities.map((_, i) => i),
    'limit above total keeps all',
  )
  t.throws(() => selectIdentitySubset(identities, 0), RangeError)
})
