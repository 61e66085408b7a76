// Multi-photo enrolment study: enrol each person with k photos, probe with the others. Pure: embeddings in,
// comparison scores out; the error rates come from metrics.ts.
//
// Protocol (fixed once for every k, so that k = 1, 2, 3 are compared on the same probes):
// - Only acquired images take part (an empty embedding is a failure to acquire).
// - Each identity's acquired images are shuffled with a seeded PRNG (identities in name order, images in input
//   order before the shuffle). The first `maxK` are its enrolment photos; k uses the first k of them.
// - Genuine: identities with at least maxK + 1 images; every image after the first maxK is a probe against its
//   own gallery (one comparison per probe).
// - Impostor: every identity with at least maxK images has a gallery; every acquired image of any other
//   identity is a probe against it (every pair, no sampling).
// Fusions: 'mean' compares the probe with the unit-length mean of the k unit-length embeddings (one 128-d
// template, as stored today); 'max' takes the best of the k single comparisons.

import { averageEmbeddings, cosineSimilarity, firstPairBelow } from '../match.ts'
import { createPrng, DEFAULT_SEED } from './pairs.ts'

export type Fusion = 'mean' | 'max'

export interface MultiSample {
  identity: string
  /** Empty when the image failed to acquire. */
  embedding: Float32Array
}

export interface EnrolmentSplit {
  /** Identity name. */
  identity: string
  /** Sample positions of the first maxK photos after the seeded shuffle. */
  gallery: number[]
  /** Sample positions probed against this gallery as genuine (empty when the identity has only maxK photos). */
  probes: number[]
}

export interface MultiTemplateProtocol {
  maxK: number
  seed: number
  splits: EnrolmentSplit[]
  /** Acquired sample positions (every one is an impostor probe against the other identities' galleries). */
  acquired: number[]
  identityOf: string[]
}

export interface MultiTemplateScores {
  genuine: Float64Array
  impostor: Float64Array
}

/** The enrolment / probe split, independent of k and of the fusion. */
export function splitForEnrolment(
  samples: readonly MultiSample[],
  maxK: number,
  seed: number = DEFAULT_SEED,
): MultiTemplateProtocol {
  if (!Number.isInteger(maxK) || maxK < 1) throw new RangeError(`maxK ${maxK} is not a positive integer`)
  const groups = new Map<string, number[]>()
  const acquired: number[] = []
  samples.forEach((s, i) => {
    if (s.embedding.length === 0) return
    acquired.push(i)
    const group = groups.get(s.identity)
    if (group) group.push(i)
    else groups.set(s.identity, [i])
  })
  const random = createPrng(seed)
  const splits: EnrolmentSplit[] = []
  for (const identity of [...groups.keys()].sort()) {
    const images = [...groups.get(identity)!]
    for (let i = images.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1))
      ;[images[i], images[j]] = [images[j]!, images[i]!]
    }
    if (images.length < maxK) continue
    splits.push({ identity, gallery: images.slice(0, maxK), probes: images.slice(maxK) })
  }
  return { maxK, seed, splits, acquired, identityOf: samples.map((s) => s.identity) }
}

/** Genuine and impostor scores of enrolment with the first k gallery photos, fused as `fusion`. */
export function scoreMultiTemplate(
  samples: readonly MultiSample[],
  protocol: MultiTemplateProtocol,
  k: number,
  fusion: Fusion,
): MultiTemplateScores {
  if (!Number.isInteger(k) || k < 1 || k > protocol.maxK) throw new RangeError(`k ${k} is not in 1..${protocol.maxK}`)
  const genuine: number[] = []
  let impostorCount = 0
  for (const split of protocol.splits)
    impostorCount += protocol.acquired.filter((p) => protocol.identityOf[p] !== split.identity).length
  const impostor = new Float64Array(impostorCount)
  let m = 0
  for (const split of protocol.splits) {
    const photos = split.gallery.slice(0, k).map((p) => samples[p]!.embedding)
    const score = galleryScorer(photos, fusion)
    for (const p of split.probes) genuine.push(score(samples[p]!.embedding))
    for (const p of protocol.acquired) {
      if (protocol.identityOf[p] === split.identity) continue
      impostor[m++] = score(samples[p]!.embedding)
    }
  }
  return { genuine: Float64Array.from(genuine), impostor }
}

/** A probe scorer for one gallery of photos of one person. */
export function galleryScorer(photos: readonly Float32Array[], fusion: Fusion): (probe: Float32Array) => number {
  if (photos.length === 0) throw new RangeError('a gallery needs at least one photo')
  if (fusion === 'mean') {
    const template = averageEmbeddings(photos)
    return (probe) => cosineSimilarity(probe, template)
  }
  return (probe) => {
    let best = -Infinity
    for (const photo of photos) best = Math.max(best, cosineSimilarity(probe, photo))
    return best
  }
}

/**
 * Share of the genuine galleries (identities with a split) whose first k photos would fail the enrolment
 * "same person" check at `threshold` (some pair scores below it): the enrolment refusals it costs.
 */
export function samePersonRejectShare(
  samples: readonly MultiSample[],
  protocol: MultiTemplateProtocol,
  k: number,
  threshold: number,
): { rejected: number; galleries: number } {
  let rejected = 0
  for (const split of protocol.splits) {
    const photos = split.gallery.slice(0, k).map((p) => samples[p]!.embedding)
    if (firstPairBelow(photos, threshold)) rejected++
  }
  return { rejected, galleries: protocol.splits.length }
}
