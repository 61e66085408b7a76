// One passenger's way through the stages decide() asks for. decide() names the next stage; a handler runs it and
// adds what it learned to the run; decide() is asked again. The flows (admit-token.ts, clear-passenger.ts) differ
// only in which stages they handle.
import type { OfflineJtiClaim } from '../../lib/outbox-chain.ts'
import { round } from '../../lib/format.ts'
import type { FaceThresholds } from '../../models/thresholds.ts'
import { noTimings, type StageTimings } from './clearance-record.ts'
import { decide, STAGES, type ClearanceEvidence, type Stage, type Verdict } from './decide.ts'

/** What the stages have learned about one passenger so far, and what each cost. */
export interface StageRun {
  evidence: ClearanceEvidence
  /** The enrolled template, once admission has fetched it. */
  template: Float32Array | null
  kid: string | null
  jtiHash: string | null
  score: number | null
  /** A token id this kiosk consumed offline: it goes into the outbox with the decision. */
  offlineClaim: OfflineJtiClaim | null
  timings: StageTimings
}

export function newStageRun(): StageRun {
  return {
    evidence: {},
    template: null,
    kid: null,
    jtiHash: null,
    score: null,
    offlineClaim: null,
    timings: noTimings(),
  }
}

export type StageHandlers = Partial<Record<Stage, (run: StageRun) => Promise<void>>>

/**
 * Each stage fills in its own evidence, so decide() asks for each stage at most once: a run that needs more steps
 * than there are stages has a bug, and it stops PENDING (which every caller refers).
 */
const MAX_STEPS = STAGES.length

/**
 * Runs the stages decide() asks for until it decides, or asks for a stage `handlers` does not run (the verdict is
 * then PENDING with that stage). A handler that throws is an internal error: decide() refers the passenger.
 */
export async function runStages(run: StageRun, handlers: StageHandlers, policy: FaceThresholds): Promise<Verdict> {
  let verdict = decide(run.evidence, policy)
  for (let step = 0; step < MAX_STEPS && verdict.decision === 'PENDING'; step++) {
    const handler = handlers[verdict.needs]
    if (!handler) break
    try {
      await handler(run)
    } catch {
      run.evidence.internalError = true
    }
    verdict = decide(run.evidence, policy)
  }
  return verdict
}

/** Runs `work` and adds its wall time to one of the run's figures (also when it throws). */
export async function timed<T>(
  run: StageRun,
  figure: Exclude<keyof StageTimings, 'totalMs'>,
  work: () => Promise<T>,
): Promise<T> {
  const started = performance.now()
  try {
    return await work()
  } finally {
    run.timings[figure] = round(run.timings[figure] + performance.now() - started)
  }
}
