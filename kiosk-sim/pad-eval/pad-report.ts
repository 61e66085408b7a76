// The PAD evaluation's report (ISO/IEC 30107-3): APCER per attack species, BPCER, failure to acquire, IAPMR, per
// subject, and each check's curves, from the engine's per-frame output and the gate's thresholds. Pure.

import type { FaceBackend, FaceModelId } from '../../models/face-types.ts'
import { averageEmbeddings } from '../../models/match.ts'
import { matchThresholdFor, type FaceThresholds } from '../../models/thresholds.ts'
import { matchScore } from '../gate/decide.ts'
import type { PadImageAnalysis } from './pad-analyses.ts'
import { checkCurves, speciesOf, type CheckCurves } from './pad-check-curves.ts'
import { comparedEmbedding, judgeFrame, type PadFrameResult } from './pad-frame.ts'
import { countBy, rate, rateWithCi, type Rate, type RateWithCi } from './pad-rates.ts'

/** Bona fide frames per subject that make the enrolment template, as residents enrol (calibration enrolmentPhotos). */
export const ENROLMENT_PHOTOS = 3

export interface PadFrameRow extends PadFrameResult {
  /** One of the subject's enrolment frames (not a probe). */
  enrolment: boolean
  /** Cosine against the subject's template, as the gate rounds it; null when not compared. */
  matchScore: number | null
}

export interface PadSummary {
  dataset: string
  backend: FaceBackend
  model: FaceModelId
  calibration: string
  createdAt: string
  thresholds: {
    antispoofMin: number
    livenessMin: number
    padMin: number | null
    minFaceSizePx: number
    minDetectorScore: number
    /** The shipped multi-photo 1:1 threshold the IAPMR templates are compared at. */
    matchThreshold: number
  }
  frames: { total: number; bonaFide: number; attack: Record<string, number>; subjects: number }
  /** Per species: k attack frames that passed the gate's face stage (went on to matching) of n. */
  apcer: Record<string, RateWithCi & { stoppedBy: Record<string, number> }>
  /** k bona fide frames the face stage referred (any reason, no face and several faces included) of n. */
  bpcer: RateWithCi & { reasons: Record<string, number>; failedChecks: Record<string, number> }
  /** Bona fide frames without a face the gate counts (or an unreadable image); also counted in BPCER. */
  fta: Rate
  /** Frames the gate referred for MULTIPLE_FACES. */
  multipleFaces: { bonaFide: Rate; attack: Rate }
  /** Attack frames that pass the face stage AND match their subject's enrolled template, per species and in all. */
  iapmr: RateWithCi & {
    species: Record<string, RateWithCi>
    enrolled: string[]
    notEnrolled: string[]
    enrolmentFrames: string[]
    protocol: string
  }
  /** Bona fide probes (enrolment frames excluded) that pass the face stage and match: the genuine acceptance. */
  genuineAcceptance: RateWithCi
  checks: Partial<Record<'antispoof' | 'liveness' | 'pad', CheckCurves>>
  perSubject: Record<string, { bonaFide: Rate; attack: Record<string, Rate>; iapmr: Rate | null }>
  rules: string[]
}

export interface PadReport extends PadSummary {
  images: PadFrameRow[]
}

export interface PadReportMeta {
  dataset: string
  backend: FaceBackend
  model: FaceModelId
  calibration: string
  createdAt: string
}

export function buildPadReport(
  images: readonly PadImageAnalysis[],
  policy: FaceThresholds,
  meta: PadReportMeta,
): PadReport {
  const judged = images.map((img) => judgeFrame(img, policy))
  const templates = enrolSubjects(images, judged, policy)
  const threshold = matchThresholdFor(ENROLMENT_PHOTOS, policy)
  const rows: PadFrameRow[] = judged.map((frame, i) => {
    const template = templates.get(frame.subject)
    const enrolment = template?.files.has(frame.file) ?? false
    const embedding = enrolment || !template ? null : comparedEmbedding(images[i]!, policy)
    return { ...frame, enrolment, matchScore: embedding ? matchScore(embedding, template!.template) : null }
  })
  const accepted = (r: PadFrameRow) => r.decision === 'PASS' && r.matchScore !== null && r.matchScore >= threshold
  const bona = rows.filter((r) => r.presentation === 'bona-fide')
  const attacks = rows.filter((r) => r.presentation === 'attack')
  const species = speciesOf(rows)
  const ofSpecies = (s: string) => attacks.filter((r) => r.species === s)
  const referred = bona.filter((r) => r.decision !== 'PASS')
  const enrolledAttacks = (list: PadFrameRow[]) => list.filter((r) => templates.has(r.subject))
  const iapmrOf = (list: PadFrameRow[]) => rateWithCi(list.filter(accepted).length, list.length)
  const subjects = [...new Set(rows.map((r) => r.subject))]
  const probes = bona.filter((r) => templates.has(r.subject) && !r.enrolment)

  return {
    ...meta,
    thresholds: {
      antispoofMin: policy.antispoofMin,
      livenessMin: policy.livenessMin,
      padMin: policy.padMin ?? null,
      minFaceSizePx: policy.minFaceSizePx,
      minDetectorScore: policy.minDetectorScore,
      matchThreshold: threshold,
    },
    frames: {
      total: rows.length,
      bonaFide: bona.length,
      attack: Object.fromEntries(species.map((s) => [s, ofSpecies(s).length])),
      subjects: subjects.length,
    },
    apcer: Object.fromEntries(
      species.map((s) => {
        const list = ofSpecies(s)
        const stopped = list.filter((r) => r.decision !== 'PASS')
        return [s, { ...rateWithCi(list.length - stopped.length, list.length), stoppedBy: countBy(stopped, reasonOf) }]
      }),
    ),
    bpcer: {
      ...rateWithCi(referred.length, bona.length),
      reasons: countBy(referred, reasonOf),
      failedChecks: countBy(
        referred.filter((r) => r.failedCheck !== null),
        (r) => r.failedCheck!,
      ),
    },
    fta: rate(bona.filter((r) => r.decision === 'NO_FACE').length, bona.length),
    multipleFaces: {
      bonaFide: rate(bona.filter((r) => r.decision === 'MULTIPLE_FACES').length, bona.length),
      attack: rate(attacks.filter((r) => r.decision === 'MULTIPLE_FACES').length, attacks.length),
    },
    iapmr: {
      ...iapmrOf(enrolledAttacks(attacks)),
      species: Object.fromEntries(species.map((s) => [s, iapmrOf(enrolledAttacks(ofSpecies(s)))])),
      enrolled: subjects.filter((s) => templates.has(s)),
      notEnrolled: subjects.filter((s) => !templates.has(s)),
      enrolmentFrames: [...templates.values()].flatMap((t) => [...t.files]),
      protocol:
        `each subject enrols from the first ${ENROLMENT_PHOTOS} of their bona fide frames by file name that pass the ` +
        `gate's face stage, fused as the server fuses enrolment photos (unit-length mean); those frames are not ` +
        `used as probes. An attack counts when it passes the face stage and its cosine with its own subject's ` +
        `template reaches the multi-photo threshold ${threshold}. Subjects without ${ENROLMENT_PHOTOS} such ` +
        'frames are not enrolled and their attacks are left out of IAPMR.',
    },
    genuineAcceptance: rateWithCi(probes.filter(accepted).length, probes.length),
    checks: checkCurves(rows, {
      antispoof: policy.antispoofMin > 0 ? policy.antispoofMin : null,
      liveness: policy.livenessMin > 0 ? policy.livenessMin : null,
      pad: policy.padMin ?? null,
    }),
    perSubject: Object.fromEntries(
      subjects.map((s) => {
        const mine = rows.filter((r) => r.subject === s)
        const bonaMine = mine.filter((r) => r.presentation === 'bona-fide')
        const attackMine = (sp: string) => mine.filter((r) => r.species === sp)
        return [
          s,
          {
            bonaFide: rate(bonaMine.filter((r) => r.decision !== 'PASS').length, bonaMine.length),
            attack: Object.fromEntries(
              species.map((sp) => [
                sp,
                rate(attackMine(sp).filter((r) => r.decision === 'PASS').length, attackMine(sp).length),
              ]),
            ),
            iapmr: templates.has(s) ? iapmrOf(mine.filter((r) => r.presentation === 'attack')) : null,
          },
        ]
      }),
    ),
    rules: [
      "Every frame goes through the gate's face stage (decide.ts checkFaces: counted faces, size, descriptor, " +
        'models/pad/presentation-check.ts) with the calibration thresholds.',
      'APCER: attack frames that pass the face stage (go on to matching); an attack frame without a face is stopped.',
      'BPCER: bona fide frames the face stage refers, for any reason; no face (FTA) and MULTIPLE_FACES included.',
      'perSubject: bonaFide k = referred, attack k = passed.',
      'checks: each check alone on the frames with one counted face and a score.',
    ],
    images: rows,
  }
}

/** The summary without the per-frame rows. */
export function padSummary(report: PadReport): PadSummary {
  const { images: _images, ...summary } = report
  return summary
}

function reasonOf(r: PadFrameResult): string {
  return r.imageError ? `${r.decision} (${r.imageError})` : r.decision
}

/**
 * Each subject's template: the first ENROLMENT_PHOTOS bona fide frames by file name that pass the face stage (a
 * resident's photo must be usable), fused by the unit-length mean as the server does (models/match.ts).
 */
function enrolSubjects(
  images: readonly PadImageAnalysis[],
  judged: readonly PadFrameResult[],
  policy: FaceThresholds,
): Map<string, { template: Float32Array; files: Set<string> }> {
  const bySubject = new Map<string, Array<{ file: string; embedding: Float32Array }>>()
  images.forEach((img, i) => {
    if (img.presentation !== 'bona-fide' || judged[i]!.decision !== 'PASS') return
    const embedding = comparedEmbedding(img, policy)
    if (!embedding) return
    const list = bySubject.get(img.subject) ?? []
    list.push({ file: img.file, embedding })
    bySubject.set(img.subject, list)
  })
  const out = new Map<string, { template: Float32Array; files: Set<string> }>()
  for (const [subject, list] of bySubject) {
    const chosen = [...list].sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0)).slice(0, ENROLMENT_PHOTOS)
    if (chosen.length < ENROLMENT_PHOTOS) continue
    const template = averageEmbeddings(chosen.map((c) => c.embedding))
    if (template.length === 0) continue
    out.set(subject, { template, files: new Set(chosen.map((c) => c.file)) })
  }
  return out
}
