// One passenger from two camera frames to a decision: read the QR, admit the token, analyse the face, match.
import { round } from '../../lib/format.ts'
import type { FaceAnalysis, FrameImage } from '../../models/face-types.ts'
import type { Decision } from '../../contract/decision-reasons.ts'
import { decodeQr } from '../qr.ts'
import { admitToken } from './admit-token.ts'
import { recordDecision, type ClearanceRecord } from './clearance-record.ts'
import type { GateDeps } from './gate-deps.ts'
import { decide, faceToMatch, matchScore, refer, type Verdict } from './decide.ts'
import { newStageRun, runStages, timed, type StageRun } from './stage-run.ts'

export interface PassengerFrames {
  /** The camera frame in which the passenger shows the phone. */
  qrFrame: FrameImage
  /** The camera frame of the passenger's face. */
  faceFrame: FrameImage
}

/**
 * One passenger, frames to decision. Stages run only when decide() asks for them, so a bad token costs no face
 * work. Whatever throws becomes REFER_TO_OFFICER(INTERNAL_ERROR): the gate fails closed. totalMs is the elapsed
 * time of the whole call: the gate's own work for the passenger, the face work overlapping admission.
 */
export async function clearPassenger(frames: PassengerFrames, deps: GateDeps): Promise<ClearanceRecord> {
  const started = performance.now()
  const run = newStageRun()
  const verdict = await clear(frames, run, deps)
  const decision: Decision = verdict.decision === 'PENDING' ? refer('INTERNAL_ERROR') : verdict
  run.timings.totalMs = round(performance.now() - started)
  return recordDecision(decision, run, run.timings, deps)
}

async function clear(frames: PassengerFrames, run: StageRun, deps: GateDeps): Promise<Verdict> {
  let qrText: string | null
  try {
    qrText = await timed(run, 'decodeMs', async () => (await decodeQr(frames.qrFrame))?.text ?? null)
  } catch {
    run.evidence.internalError = true
    return decide(run.evidence, deps.policy)
  }
  if (qrText === null) {
    run.evidence.qrText = null
    return decide(run.evidence, deps.policy)
  }

  // The face is analysed while the server answers admission: the round trips overlap the face work. If admission
  // fails, the analysis is simply not used (it is caught here, so no rejection goes unhandled).
  let faceAnalysis: Promise<FaceAnalysis> | null = null
  const analyseFaces = (): Promise<FaceAnalysis> => {
    if (!faceAnalysis) {
      faceAnalysis = deps.engine.analyze(frames.faceFrame)
      faceAnalysis.catch(() => {})
    }
    return faceAnalysis
  }
  await admitToken(qrText, deps, { onAdmitting: analyseFaces }, run)
  return runStages(
    run,
    {
      faces: async (run) => {
        const analysis = await analyseFaces()
        run.evidence.faces = analysis.faces
        run.evidence.faceModel = analysis.model
        run.timings.detectMs = round(analysis.timings.decodeMs + analysis.timings.detectMs)
        run.timings.embedMs = round(analysis.timings.embedMs)
        run.timings.livenessMs = round(analysis.timings.livenessMs)
      },
      match: (run) =>
        timed(run, 'matchMs', async () => {
          const face = faceToMatch(run.evidence.faces ?? [], deps.policy)
          if (!face || !run.template) throw new Error('match without a face or a template')
          run.score = matchScore(face.embedding, run.template)
          run.evidence.matchScore = run.score
        }),
    },
    deps.policy,
  )
}
