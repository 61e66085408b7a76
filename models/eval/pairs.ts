// Which comparisons an evaluation scores: genuine pairs (two different images of one identity) and
// impostor pairs (images of two different identities), plus the deterministic subset and sampling
// rules that keep a run repeatable. Pure: the same input in the same order with the same seed always
// gives the same pairs.

import { mulberry32 } from '../../lib/mulberry32.ts'

export interface PairSample {
  /** Caller's id for the image (for example its position in the manifest); must be unique. */
  index: number
  identity: string
  /** False when the image failed to acquire (FTA): it takes part in no comparison. */
  acquired: boolean
}

/** Pairs as two parallel columns of sample `index` values, a[i] < b[i] in input order. */
export interface PairList {
  a: Uint32Array
  b: Uint32Array
  readonly length: number
}

export interface PairSet {
  genuine: PairList
  impostor: PairList
  /** Impostor pairs among acquired images before sampling. */
  impostorAvailable: number
  /** True when `impostor` is a sample of `impostorAvailable`. */
  impostorSampled: boolean
  /** Pairs that would have existed but involve an image that failed to acquire. */
  excludedByFta: { genuine: number; impostor: number }
}

export interface PairOptions {
  /** Cap on impostor pairs; above it a uniform sample without replacement is drawn. */
  maxImpostors?: number
  seed?: number
}

/**
 * One million impostor comparisons resolve FMR 1e-4 with about 100 false matches at the threshold,
 * (200,000 would give 20), and keep scoring under a second.
 */
export const DEFAULT_MAX_IMPOSTORS = 1_000_000
export const DEFAULT_SEED = 0x19795 // ISO/IEC 19795

/** The seeded PRNG used for sampling pairs (mulberry32). */
export const createPrng = mulberry32

export function buildPairs(samples: readonly PairSample[], options: PairOptions = {}): PairSet {
  const maxImpostors = options.maxImpostors ?? DEFAULT_MAX_IMPOSTORS
  if (!Number.isInteger(maxImpostors) || maxImpostors < 0)
    throw new RangeError(`maxImpostors ${maxImpostors} is not a count`)
  const seen = new Set<number>()
  for (const s of samples) {
    if (!Number.isInteger(s.index) || s.index < 0 || s.index > 0xffffffff)
      throw new RangeError(`index ${s.index} is not a uint32`)
    if (seen.has(s.index)) throw new RangeError(`duplicate sample index ${s.index}`)
    seen.add(s.index)
  }

  const allGenuine = countGenuine(samples)
  const allPairs = pairsOf(samples.length)
  const acquired = samples.filter((s) => s.acquired)
  const identityIds = numberIdentities(acquired)
  const genuineCount = countGenuine(acquired)
  const impostorAvailable = pairsOf(acquired.length) - genuineCount

  const genuine = newPairList(genuineCount)
  let n = 0
  for (const positions of groupPositions(identityIds)) {
    for (let x = 0; x < positions.length; x++) {
      for (let y = x + 1; y < positions.length; y++) {
        genuine.a[n] = acquired[positions[x]!]!.index
        genuine.b[n++] = acquired[positions[y]!]!.index
      }
    }
  }

  const take = Math.min(impostorAvailable, maxImpostors)
  const impostor = newPairList(take)
  // Selection sampling (Knuth, TAOCP 3.4.2, Algorithm S): visit every impostor pair once and keep it
  // with probability needed / remaining. Exactly `take` pairs, uniformly, in enumeration order; O(pairs).
  const random = createPrng(options.seed ?? DEFAULT_SEED)
  let needed = take
  let remaining = impostorAvailable
  let m = 0
  for (let i = 0; i < acquired.length && needed > 0; i++) {
    const idI = identityIds[i]!
    for (let j = i + 1; j < acquired.length && needed > 0; j++) {
      if (identityIds[j] === idI) continue
      if (needed === remaining || random() * remaining < needed) {
        impostor.a[m] = acquired[i]!.index
        impostor.b[m++] = acquired[j]!.index
        needed--
      }
      remaining--
    }
  }

  return {
    genuine,
    impostor,
    impostorAvailable,
    impostorSampled: take < impostorAvailable,
    excludedByFta: {
      genuine: allGenuine - genuineCount,
      impostor: allPairs - allGenuine - impostorAvailable,
    },
  }
}

/**
 * Positions (ascending) of a deterministic subset of about `limit` images made of whole identities.
 * Identities are shuffled by `seed` (after sorting by name, so manifest order does not matter);
 * identities with two or more images are taken first, so that genuine pairs exist, each only if it
 * still fits; images of one identity are never split. Returns every position when `limit` >= total.
 */
export function selectIdentitySubset(identities: readonly string[], limit: number, seed = DEFAULT_SEED): number[] {
  if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`limit ${limit} is not a positive integer`)
  if (limit >= identities.length) return identities.map((_, i) => i)
  const groups = new Map<string, number[]>()
  identities.forEach((id, i) => {
    const group = groups.get(id)
    if (group) group.push(i)
    else groups.set(id, [i])
  })
  const names = [...groups.keys()].sort()
  const random = createPrng(seed)
  for (let i = names.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1))
    ;[names[i], names[j]] = [names[j]!, names[i]!]
  }
  const ordered = [
    ...names.filter((n) => groups.get(n)!.length >= 2),
    ...names.filter((n) => groups.get(n)!.length < 2),
  ]
  const chosen: number[] = []
  for (const name of ordered) {
    const group = groups.get(name)!
    if (chosen.length + group.length <= limit) chosen.push(...group)
    if (chosen.length === limit) break
  }
  return chosen.sort((a, b) => a - b)
}

function pairsOf(n: number): number {
  return (n * (n - 1)) / 2
}

function countGenuine(samples: readonly { identity: string }[]): number {
  const counts = new Map<string, number>()
  for (const s of samples) counts.set(s.identity, (counts.get(s.identity) ?? 0) + 1)
  let total = 0
  for (const c of counts.values()) total += pairsOf(c)
  return total
}

function numberIdentities(samples: readonly { identity: string }[]): Int32Array {
  const ids = new Map<string, number>()
  const out = new Int32Array(samples.length)
  samples.forEach((s, i) => {
    let id = ids.get(s.identity)
    if (id === undefined) ids.set(s.identity, (id = ids.size))
    out[i] = id
  })
  return out
}

/** Positions grouped by identity id, groups in order of first appearance. */
function groupPositions(identityIds: Int32Array): number[][] {
  const groups: number[][] = []
  identityIds.forEach((id, i) => (groups[id] ??= []).push(i))
  return groups
}

function newPairList(length: number): PairList {
  return { a: new Uint32Array(length), b: new Uint32Array(length), length }
}
