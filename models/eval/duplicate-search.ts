// 1:N duplicate search at enrolment (ISO/IEC 19795-1 identification terms). Pure: embeddings in, scores out.
//
// Each enrolled identity holds one template (the first photo of splitForEnrolment with maxK = 1). A non-mated
// search is a probe photo of a person who is NOT in the gallery; its best score over the gallery decides whether
// the enrolment goes to review. FPIR(t) = share of non-mated searches whose best score >= t. A mated search is a
// second photo of an enrolled person against that person's template; FNIR(t) = share scoring < t (rank ignored:
// a review is raised by any candidate at or above t).
//
// Galleries of N identities: for every acquired probe, N identities other than its own are drawn (seeded
// partial shuffle); N at or above the number of other identities takes them all (leave one identity out).

import { cosineSimilarity } from '../match.ts'
import type { MultiSample, MultiTemplateProtocol } from './multi-template.ts'
import { createPrng, DEFAULT_SEED } from './pairs.ts'

export interface Enrolled {
  identity: string
  /** The search vector: one photo's embedding or a mean template. */
  embedding: Float32Array
}

/** Best score of every non-mated search (one per acquired probe) against galleries of `gallerySize` identities. */
export function nonMatedBestScores(
  samples: readonly MultiSample[],
  protocol: MultiTemplateProtocol,
  gallerySize: number,
  seed: number = DEFAULT_SEED,
): Float64Array {
  const templates = protocol.splits.map((s) => ({ identity: s.identity, embedding: samples[s.gallery[0]!]!.embedding }))
  const probes = protocol.acquired.map((p) => ({ identity: protocol.identityOf[p]!, embedding: samples[p]!.embedding }))
  return nonMatedSearches(templates, probes, gallerySize, seed)
}

/**
 * The general form: every probe searched against `gallerySize` templates of identities other than its own (all of
 * them when there are no more), drawn per probe by a seeded partial shuffle. Returns each search's best score.
 */
export function nonMatedSearches(
  templates: readonly Enrolled[],
  probes: readonly Enrolled[],
  gallerySize: number,
  seed: number = DEFAULT_SEED,
): Float64Array {
  if (!Number.isInteger(gallerySize) || gallerySize < 1)
    throw new RangeError(`gallery size ${gallerySize} is not a positive integer`)
  const random = createPrng(seed)
  const out = new Float64Array(probes.length)
  probes.forEach((probe, n) => {
    const others = templates.filter((t) => t.identity !== probe.identity)
    const take = Math.min(gallerySize, others.length)
    // Partial Fisher-Yates: the first `take` entries become a uniform sample without replacement.
    if (take < others.length) {
      for (let i = 0; i < take; i++) {
        const j = i + Math.floor(random() * (others.length - i))
        ;[others[i], others[j]] = [others[j]!, others[i]!]
      }
    }
    let best = -Infinity
    for (let i = 0; i < take; i++) best = Math.max(best, cosineSimilarity(probe.embedding, others[i]!.embedding))
    out[n] = best
  })
  return out
}

/**
 * FPIR of a gallery of `gallerySize` identities predicted from the 1:1 FMR at the same threshold, if the
 * searches' comparisons were independent: 1 - (1 - fmr)^N.
 */
export function predictedFpir(fmr: number, gallerySize: number): number {
  if (!(fmr >= 0 && fmr <= 1)) throw new RangeError(`fmr ${fmr} is not in [0, 1]`)
  if (fmr === 1) return 1
  return -Math.expm1(gallerySize * Math.log1p(-fmr))
}

/** The 1:1 FMR that gives `fpir` on a gallery of `gallerySize` under the same independence model. */
export function fmrForFpir(fpir: number, gallerySize: number): number {
  if (!(fpir > 0 && fpir < 1)) throw new RangeError(`fpir ${fpir} is not in (0, 1)`)
  if (!(gallerySize >= 1)) throw new RangeError(`gallery size ${gallerySize} is below 1`)
  return -Math.expm1(Math.log1p(-fpir) / gallerySize)
}
