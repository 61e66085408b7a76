import t from 'tap'
import { cosineSimilarity } from '../../models/match.ts'
import {
  FLOAT_SLACK,
  Int8DotKernel,
  TemplateIndex,
  approximationBound,
  quantiseUnit,
  type TemplateHit,
} from '../../server/enrolment/template-index.ts'

const THRESHOLD = 0.6352 // the calibrated human-faceres threshold

/** mulberry32: seeded uniform [0, 1). */
function rng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let z = Math.imul(a ^ (a >>> 15), 1 | a)
    z = (z + Math.imul(z ^ (z >>> 7), 61 | z)) ^ z
    return ((z ^ (z >>> 14)) >>> 0) / 2 ** 32
  }
}

function gaussian(random: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random())
}

function toUnit(v: ArrayLike<number>): Float32Array {
  let sum = 0
  for (let i = 0; i < v.length; i++) sum += (v[i] as number) ** 2
  return Float32Array.from(v, (x) => x / Math.sqrt(sum))
}

function randomUnit(random: () => number, d: number): Float32Array {
  return toUnit(Array.from({ length: d }, () => gaussian(random)))
}

/** A unit vector whose cosine with unit `p` is `score` (up to float32 rounding). */
function plantAt(random: () => number, p: Float32Array, score: number): Float32Array {
  const w = Array.from({ length: p.length }, () => gaussian(random))
  const along = w.reduce((sum, x, i) => sum + x * (p[i] as number), 0)
  const ortho = toUnit(w.map((x, i) => x - along * (p[i] as number)))
  return toUnit(Array.from(p, (x, i) => score * x + Math.sqrt(1 - score * score) * (ortho[i] as number)))
}

/** Every template scored with `cosineSimilarity`, best first, ties by id. */
function allScores(templates: Map<string, Float32Array>, probe: ArrayLike<number>): TemplateHit[] {
  const hits = [...templates].map(([id, embedding]) => ({ id, score: cosineSimilarity(probe, embedding) }))
  return hits.sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
}

function above(sorted: TemplateHit[], threshold: number, k?: number): TemplateHit[] {
  const hits = sorted.filter((h) => h.score >= threshold)
  return k === undefined ? hits : hits.slice(0, k)
}

function bruteForce(
  templates: Map<string, Float32Array>,
  probe: ArrayLike<number>,
  threshold: number,
  k?: number,
): TemplateHit[] {
  return above(allScores(templates, probe), threshold, k)
}

/** The approximate score and its bound, recomputed in plain JS from the quantiser (independent of the kernel). */
function approximate(probe: Float32Array, template: Float32Array): { approx: number; bound: number } {
  const [r, q] = [new Int8Array(probe.length), new Int8Array(template.length)]
  const p = quantiseUnit(probe, r)
  const x = quantiseUnit(template, q)
  let dot = 0
  for (let i = 0; i < r.length; i++) dot += (r[i] as number) * (q[i] as number)
  return { approx: p.scale * x.scale * dot, bound: approximationBound(p.residualNorm, x.residualNorm) }
}

t.test('the int8 SIMD kernel computes exact integer dot products', async (t) => {
  const random = rng(1)
  for (const [stride, count] of [
    [16, 1],
    [32, 7],
    [1024, 50],
    [128, 0],
  ] as const) {
    const kernel = new Int8DotKernel(0)
    kernel.ensureBytes(stride * (count + 1) + 4 * count)
    const bytes = kernel.bytes
    for (let i = 0; i < stride * (count + 1); i++) bytes[i] = Math.floor(random() * 256) - 128
    bytes.fill(-128, stride * count, stride * count + 8) // extremes in the probe
    bytes.fill(127, 0, Math.min(stride, 8))
    const out = stride * (count + 1)
    kernel.dots(stride * count, 0, count, stride, out)
    const got = new Int32Array(kernel.memory.buffer, out, count)
    for (let row = 0; row < count; row++) {
      let want = 0
      for (let i = 0; i < stride; i++)
        want += (bytes[row * stride + i] as number) * (bytes[stride * count + i] as number)
      if (got[row] !== want) t.fail(`stride ${stride} row ${row}: ${got[row]} != ${want}`)
    }
    t.pass(`stride ${stride}, ${count} rows`)
  }
  t.throws(() => new Int8DotKernel(0).dots(0, 0, 1, 24, 64), RangeError, 'stride not a multiple of 16')
})

t.test('index results equal brute force, with planted near-duplicates around the threshold', async (t) => {
  for (const d of [1024, 100]) {
    const random = rng(d)
    const index = new TemplateIndex({ name: 'human-faceres', version: '3.3.6', dimensions: d, initialCapacity: 64 })
    const templates = new Map<string, Float32Array>()
    const put = (id: string, v: Float32Array) => {
      index.add(id, v)
      templates.set(id, v)
    }
    for (let i = 0; i < 1500; i++) put(`r${i}`, randomUnit(random, d))
    const probes = Array.from({ length: 24 }, () => randomUnit(random, d))
    const offsets = [0, 1e-3, -1e-3, 1e-6, -1e-6, 0.02, -0.02, 0.2]
    probes.forEach((p, j) => offsets.forEach((o, m) => put(`p${j}-${m}`, plantAt(random, p, THRESHOLD + o))))
    put('twin-a', templates.get('p0-0')!.slice()) // identical scores: ties go by id
    put('twin-b', templates.get('p0-0')!.slice())

    const check = (label: string) => {
      let compared = 0
      for (const [j, p] of probes.entries()) {
        const scores = allScores(templates, p)
        const exact = cosineSimilarity(p, templates.get(`p${j}-0`) ?? templates.get('r0')!)
        const thresholds = [
          THRESHOLD,
          THRESHOLD + 1e-3,
          THRESHOLD - 1e-3,
          THRESHOLD + 1e-6,
          exact,
          exact + 1e-12,
          0.1,
          0,
          -1,
        ]
        for (const threshold of thresholds) {
          for (const k of [undefined, 1, 3]) {
            t.strictSame(
              index.search(p, { threshold, k }),
              above(scores, threshold, k),
              `${label} d=${d} probe ${j} threshold ${threshold} k ${k}`,
            )
            compared++
          }
        }
      }
      return compared
    }
    t.ok(check('initial') > 0)
    const atScore = index.search(probes[0]!, { threshold: cosineSimilarity(probes[0]!, templates.get('p0-0')!) })
    t.strictSame(
      atScore.slice(-3).map((h) => h.id),
      ['p0-0', 'twin-a', 'twin-b'],
      'threshold equal to a score keeps it; ties by id',
    )

    // Remove a third (planted ones too), replace some, add new ones: swap-with-last must keep every row right.
    const ids = [...templates.keys()]
    for (const id of ids) {
      const u = random()
      if (u < 0.33) {
        t.equal(index.remove(id), true)
        templates.delete(id)
      } else if (u < 0.4) put(id, randomUnit(random, d))
    }
    for (let i = 0; i < 300; i++)
      put(`late${i}`, plantAt(random, probes[i % probes.length]!, THRESHOLD + (random() - 0.5) * 4e-3))
    t.equal(index.size, templates.size)
    check('after adds and removes')
    for (const [id, v] of templates)
      if (!index.has(id) || cosineSimilarity(index.get(id)!, v) !== cosineSimilarity(v, v)) t.fail(`stored ${id}`)
    t.equal(index.remove('nobody'), false)
  }
})

t.test(
  'the bound holds for every pair and is reached within about 2x: a smaller margin would miss a true hit',
  async (t) => {
    const random = rng(7)
    const d = 1024
    let worst = 0
    for (let i = 0; i < 300; i++) {
      const p = randomUnit(random, d)
      const x = i % 2 ? randomUnit(random, d) : plantAt(random, p, THRESHOLD)
      const { approx, bound } = approximate(p, x)
      worst = Math.max(worst, Math.abs(cosineSimilarity(p, x) - approx) / bound)
    }
    t.ok(worst < 1, `random pairs use ${(worst * 100).toFixed(1)}% of the bound`)

    // Adversarial: a probe pointing along the template's quantisation residual δ, so p·δ ≈ 0.8·|δ|.
    const x = randomUnit(random, d)
    const q = new Int8Array(d)
    const { scale } = quantiseUnit(x, q)
    const delta = Array.from(x, (v, i) => v - scale * (q[i] as number)) // x is unit to float32 precision
    const deltaUnit = toUnit(delta)
    const p = toUnit(Array.from(x, (v, i) => 0.6 * v + 0.8 * (deltaUnit[i] as number)))
    const score = cosineSimilarity(p, x)
    const { approx, bound } = approximate(p, x)
    t.ok(score - approx <= bound + FLOAT_SLACK, 'within the bound')
    t.ok(
      score - approx > 0.3 * bound,
      `error ${(score - approx).toFixed(5)} is ${((100 * (score - approx)) / bound).toFixed(0)}% ` +
        `of B = ${bound.toFixed(5)}`,
    )
    t.ok(approx + 0.3 * bound < score, 'a margin of 0.3·B would have dropped this true hit')
    const index = new TemplateIndex({ name: 'm', version: '1', dimensions: d })
    for (let i = 0; i < 200; i++) index.add(`r${i}`, randomUnit(random, d))
    index.add('adversary', x)
    t.strictSame(
      index.search(p, { threshold: score }),
      [{ id: 'adversary', score }],
      'the index still finds it at threshold = its score',
    )
    const report = index.searchWithReport(p, { threshold: -1 })
    t.equal(report.candidates, 201, 'threshold -1 re-scores everything')
    t.ok(
      report.maxErrorOverBound <= 1,
      `kernel approximations within the bound (max ${report.maxErrorOverBound.toFixed(3)})`,
    )
  },
)

t.test('broken probes give no hits; their valid twin does', async (t) => {
  const random = rng(3)
  const index = new TemplateIndex({ name: 'm', version: '1', dimensions: 128 })
  const v = randomUnit(random, 128)
  index.add('a', v)
  t.strictSame(
    index.search(v, { threshold: THRESHOLD }).map((h) => h.id),
    ['a'],
    'positive twin',
  )
  t.strictSame(index.search(v.subarray(0, 127), { threshold: THRESHOLD }), [], 'too short')
  t.strictSame(index.search(Float32Array.from([...v, 0]), { threshold: THRESHOLD }), [], 'too long')
  t.strictSame(index.search(new Float32Array(0), { threshold: THRESHOLD }), [], 'empty')
  t.strictSame(index.search(new Float32Array(128), { threshold: -1 }), [], 'all zero')
  for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
    const probe = v.slice()
    probe[5] = bad
    t.strictSame(index.search(probe, { threshold: -1 }), [], `contains ${bad}`)
  }
  t.strictSame(index.search(v, { threshold: THRESHOLD, k: 0 }), [], 'k = 0')
  t.throws(() => index.search(v, { threshold: Number.NaN }), RangeError)
  t.throws(() => index.search(v, { threshold: 0, k: 1.5 }), RangeError)
  const bad = v.slice()
  bad[0] = Number.NaN
  t.throws(() => index.add('b', bad), RangeError, 'unusable templates are refused')
  t.throws(() => index.add('b', v.subarray(1)), RangeError)
  t.throws(() => new TemplateIndex({ name: 'm', version: '1', dimensions: 0 }), RangeError)
  t.equal(index.size, 1)
})

t.test('empty index, growth past the initial capacity, replacing a template', async (t) => {
  const random = rng(4)
  const index = new TemplateIndex({ name: 'm', version: '1', dimensions: 1024, initialCapacity: 2 })
  const probe = randomUnit(random, 1024)
  t.strictSame(index.search(probe, { threshold: -1 }), [], 'empty')
  const templates = new Map<string, Float32Array>()
  for (let i = 0; i < 100; i++) {
    const v = plantAt(random, probe, THRESHOLD + (i - 50) * 1e-4)
    index.add(`g${i}`, v)
    templates.set(`g${i}`, v)
  }
  t.equal(index.size, 100)
  t.ok(index.allocatedBytes >= 100 * (4 * 1024 + 1024))
  t.strictSame(index.search(probe, { threshold: THRESHOLD }), bruteForce(templates, probe, THRESHOLD))
  t.strictSame(index.search(probe, { threshold: -1, k: 5 }), bruteForce(templates, probe, -1, 5))
  const replacement = plantAt(random, probe, 0.99)
  index.add('g0', replacement)
  templates.set('g0', replacement)
  t.equal(index.size, 100, 'same id replaces')
  t.equal(index.search(probe, { threshold: THRESHOLD, k: 1 })[0]?.id, 'g0')
  for (const id of templates.keys()) index.remove(id)
  t.equal(index.size, 0)
  t.strictSame(index.search(probe, { threshold: -1 }), [], 'emptied')
})
