import t, { type Test } from 'tap'
import {
  averageEmbeddings,
  cosineSimilarity,
  firstPairBelow,
  isUsableEmbedding,
  l2normalize,
  NO_MATCH,
} from '../../models/match.ts'

const close = (t: Test, actual: ArrayLike<number>, expected: number[], message: string) => {
  t.equal(actual.length, expected.length, `${message}: length`)
  expected.forEach((value, i) =>
    t.ok(Math.abs((actual[i] as number) - value) < 1e-6, `${message}: [${i}] ${actual[i]} ≈ ${value}`),
  )
}

t.test('cosineSimilarity: hand-computed values', async (t) => {
  t.equal(cosineSimilarity([1, 0], [1, 0]), 1, 'same direction')
  t.equal(cosineSimilarity([2, 0], [5, 0]), 1, 'scale does not matter')
  t.equal(cosineSimilarity([1, 0], [0, 1]), 0, 'orthogonal')
  t.equal(cosineSimilarity([1, 1], [-1, -1]), -1, 'opposite')
  // 1*4 + 2*5 + 3*6 = 32; |a| = sqrt(14), |b| = sqrt(77); 32 / sqrt(1078) = 0.9746318461970762
  t.ok(Math.abs(cosineSimilarity([1, 2, 3], [4, 5, 6]) - 0.9746318461970762) < 1e-12, '[1,2,3]·[4,5,6]')
  t.ok(Math.abs(cosineSimilarity(new Float32Array([3, 4]), [4, 3]) - 0.96) < 1e-7, 'Float32Array and array: 24/25')
})

t.test('cosineSimilarity never matches broken vectors; each case has a working twin', async (t) => {
  t.equal(cosineSimilarity([], []), NO_MATCH, 'two empty descriptors (Human similarity gives 1.0 here)')
  t.equal(cosineSimilarity([1], [1]), 1, 'twin: one-element vectors')
  t.equal(cosineSimilarity([], [1, 0]), NO_MATCH, 'one empty')
  t.equal(cosineSimilarity([1, 0, 0], [1, 0]), NO_MATCH, 'lengths differ')
  t.equal(cosineSimilarity([1, 0, 0], [1, 0, 0]), 1, 'twin: same lengths')
  t.equal(cosineSimilarity([0, 0], [1, 0]), NO_MATCH, 'zero vector')
  t.equal(cosineSimilarity([1e-30, 0], [1, 0]), 1, 'twin: tiny but non-zero vector')
  t.equal(cosineSimilarity([Number.NaN, 1], [1, 1]), NO_MATCH, 'NaN')
  t.equal(cosineSimilarity([Number.POSITIVE_INFINITY, 1], [1, 1]), NO_MATCH, 'Infinity')
  t.ok(cosineSimilarity([1e150, 1], [1, 1]) > 0.7, 'twin: large finite values')
  t.equal(cosineSimilarity([1e200, 1], [1e200, 1]), NO_MATCH, 'squares overflow to Infinity')
})

t.test('l2normalize', async (t) => {
  close(t, l2normalize([3, 4]), [0.6, 0.8], '3-4-5')
  close(t, l2normalize(new Float32Array([0, -2])), [0, -1], 'negative')
  t.equal(l2normalize([0, 0]).length, 0, 'zero vector gives empty')
  t.equal(l2normalize([Number.NaN, 1]).length, 0, 'NaN gives empty')
  t.equal(l2normalize([]).length, 0, 'empty gives empty')
  t.ok(l2normalize([3, 4]) instanceof Float32Array, 'Float32Array out')
})

t.test('averageEmbeddings', async (t) => {
  const h = Math.SQRT1_2
  close(
    t,
    averageEmbeddings([
      [1, 0],
      [0, 1],
    ]),
    [h, h],
    'mean of two unit vectors, renormalised',
  )
  close(
    t,
    averageEmbeddings([
      [2, 0],
      [0, 1],
    ]),
    [h, h],
    'each vector normalised first: norm gives no extra weight',
  )
  close(t, averageEmbeddings([[3, 4]]), [0.6, 0.8], 'one vector')
  t.equal(averageEmbeddings([]).length, 0, 'no vector')
  t.equal(
    averageEmbeddings([
      [1, 0],
      [1, 0, 0],
    ]).length,
    0,
    'lengths differ',
  )
  t.equal(
    averageEmbeddings([
      [1, 0],
      [Number.NaN, 0],
    ]).length,
    0,
    'one broken vector spoils the average',
  )
  t.equal(
    averageEmbeddings([
      [1, 0],
      [-1, 0],
    ]).length,
    0,
    'opposite vectors cancel to zero: no usable mean',
  )
})

t.test('isUsableEmbedding', async (t) => {
  t.equal(isUsableEmbedding(new Float32Array(4).fill(0.5), 4), true, 'right length, finite, non-zero')
  t.equal(isUsableEmbedding(new Float32Array(4).fill(0.5), 1024), false, 'wrong length')
  t.equal(isUsableEmbedding([], 0), false, 'empty is never usable')
  t.equal(isUsableEmbedding([0, 0, 0, 0], 4), false, 'zero vector')
  t.equal(isUsableEmbedding([0.5, Number.NaN, 0.5, 0.5], 4), false, 'NaN')
  t.equal(isUsableEmbedding([0.5, 0.5, 0.5, Number.NEGATIVE_INFINITY], 4), false, '-Infinity')
})

t.test('firstPairBelow: the same-person check over several photos', async (t) => {
  t.equal(
    firstPairBelow(
      [
        [1, 0],
        [1, 0.1],
        [0.9, 0.1],
      ],
      0.9,
    ),
    null,
    'every pair close: passes',
  )
  t.same(
    firstPairBelow(
      [
        [1, 0],
        [1, 0.1],
        [0, 1],
      ],
      0.9,
    ),
    { a: 0, b: 2, score: 0 },
    'the first failing pair, in order',
  )
  t.same(
    firstPairBelow(
      [
        [1, 0],
        [0, 1],
      ],
      0,
    ),
    null,
    'a score equal to the threshold passes',
  )
  t.same(
    firstPairBelow(
      [
        [1, 0],
        [0, 1],
      ],
      0.01,
    ),
    { a: 0, b: 1, score: 0 },
    'just above it fails',
  )
  t.equal(firstPairBelow([[1, 0]], 0.99), null, 'one photo has no pair')
  t.same(firstPairBelow([[1, 0], []], -0.5), { a: 0, b: 1, score: NO_MATCH }, 'an empty vector never passes')
})
