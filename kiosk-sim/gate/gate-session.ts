// One passenger's session at a camera gate: what the clearance event will say about them.
import { round } from '../../lib/format.ts'
import type { FaceAnalysis } from '../../models/face-types.ts'
import type { TokenAdmission } from './admit-token.ts'
import { noTimings, type DecisionFacts, type StageTimings } from './clearance-record.ts'

/**
 * The gate's own work for one passenger at a camera gate, in clearance-event timings. Both camera gates (the live
 * gate on ffmpeg frames, the browser gate on posted frames) keep their sessions through GateDriver, so this is the
 * one definition of their figures and of when a session starts.
 *
 * Reset: a session starts on the frame that reads a new QR and ends with the decision. Work on frames before that
 * (QR decodes that read nothing) belongs to no passenger.
 *
 * Figures: decodeMs is the QR decode of that frame; verifyMs the token stages (keys, signature and claims, replay
 * ledger, template); detectMs, embedMs and livenessMs are sums over the capture frames (the engine's image decode in
 * detectMs); matchMs stays 0 (the fused match is a step of the state machine, not I/O).
 *
 * totalMs is the gate's own work for the passenger: the QR read with the look for a face beside the phone, the token
 * stages and the capture frames. It is not the wall time from the QR to the decision: that includes the passenger's
 * own seconds to lower the phone and face the camera, which the frames' timestamps record already (`gateMs` in the
 * live gate's log). clearPassenger, which gets one QR frame and one face frame, measures the same work directly: the
 * elapsed time of its one call, in which the face analysis overlaps admission.
 */
export class GateSession {
  readonly timings: StageTimings = noTimings()
  /** The look for a face beside the phone, on the frame that read the QR: in totalMs, not in the capture sums. */
  faceAtQrMs = 0
  /** Frames analysed for faces during capture. */
  faceFrames = 0
  facts: Omit<DecisionFacts, 'score'> = { kid: null, jtiHash: null, offlineClaim: null }

  qrRead(decodeMs: number, faceAtQr: FaceAnalysis | null): void {
    this.timings.decodeMs = round(decodeMs)
    this.faceAtQrMs = faceAtQr ? round(engineMs(faceAtQr)) : 0
  }

  admitted(admission: Pick<TokenAdmission, 'verifyMs' | 'kid' | 'jtiHash' | 'offlineClaim'>): void {
    this.timings.verifyMs = round(admission.verifyMs)
    this.facts = { kid: admission.kid, jtiHash: admission.jtiHash, offlineClaim: admission.offlineClaim ?? null }
  }

  /** The token stages threw after `ms`: the time still counts. */
  admissionFailed(ms: number): void {
    this.timings.verifyMs = round(ms)
  }

  captured(analysis: FaceAnalysis): void {
    const t = this.timings
    this.faceFrames++
    t.detectMs = round(t.detectMs + analysis.timings.decodeMs + analysis.timings.detectMs)
    t.embedMs = round(t.embedMs + analysis.timings.embedMs)
    t.livenessMs = round(t.livenessMs + analysis.timings.livenessMs)
  }

  /** The figures for the clearance event, totalMs included. */
  final(): StageTimings {
    const t = this.timings
    const work = this.faceAtQrMs + t.decodeMs + t.verifyMs + t.detectMs + t.embedMs + t.livenessMs + t.matchMs
    return { ...t, totalMs: round(work) }
  }
}

function engineMs(analysis: FaceAnalysis): number {
  const t = analysis.timings
  return t.decodeMs + t.detectMs + t.embedMs + t.livenessMs
}
