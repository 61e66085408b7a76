// The live gate on an ffmpeg frame stream (a camera or video files): raw frames are pulled one at a time and offered
// to the gate driver as they are (the QR decoder and the face engine both read raw pixels), on the stream's own
// clock or the wall clock.
import type { GateDeps } from '../gate/gate-deps.ts'
import { GateDriver, gateWork, type FrameLatency, type LiveDecision } from '../gate/gate-driver.ts'
import type { LiveGateConfig } from '../gate/gate-state-machine.ts'
import type { RawFrame } from '../sources/ffmpeg-frames.ts'

export interface LiveGateDeps extends GateDeps {
  /** Picks each passenger's liveness challenge, uniform in [0, 1) (default: crypto random). */
  random?: () => number
  config: LiveGateConfig
  /**
   * The gate's clock. `stream`: a video file's own time (the capture window is video time, however fast the file
   * is read, so a run is repeatable); `wall`: a camera's, Date.now().
   */
  clock: 'stream' | 'wall'
}

export interface LiveGateHooks {
  onDecision?: (decision: LiveDecision) => void
  onFrame?: (latency: FrameLatency) => void
}

export interface LiveGateResult {
  decisions: LiveDecision[]
  frames: number
  latencies: FrameLatency[]
}

/**
 * Runs the gate over a frame stream until it ends. When it ends mid-session, the time limits are applied at once:
 * the passenger in the gate is decided (referred if nothing more is known), never left pending. When the stream
 * fails, the passenger in the gate is referred (INTERNAL_ERROR) and the promise rejects with the stream's error.
 */
export async function runLiveGate(
  frames: AsyncIterable<RawFrame> | Iterable<RawFrame>,
  deps: LiveGateDeps,
  hooks: LiveGateHooks = {},
): Promise<LiveGateResult> {
  const result: LiveGateResult = { decisions: [], frames: 0, latencies: [] }
  let streamMs = 0
  const now = deps.clock === 'wall' ? () => Date.now() : () => streamMs
  const driver = new GateDriver({ ...gateWork(deps), config: deps.config, now, random: deps.random })
  const decided = (decision: LiveDecision | null) => {
    if (!decision) return
    result.decisions.push(decision)
    hooks.onDecision?.(decision)
  }
  let lastAt = 0
  try {
    for await (const frame of frames) {
      result.frames++
      streamMs = frame.streamMs
      lastAt = now()
      const offered = await driver.offer(frame, frame.index)
      if (offered.latency) {
        result.latencies.push(offered.latency)
        hooks.onFrame?.(offered.latency)
      }
      decided(offered.decided)
    }
  } catch (error) {
    // The source failed (ffmpeg died, the camera went away): the passenger in the gate is referred, then the
    // error goes on to the caller.
    decided(driver.fail('source', lastAt))
    throw error
  }
  // End of stream: let every time limit pass, so that a session in progress is decided (fails closed).
  const { verifyTimeoutMs, faceWindowMs, challenge } = deps.config
  decided(driver.tick(lastAt + verifyTimeoutMs + faceWindowMs + (challenge?.timeLimitMs ?? 0) + 1))
  return result
}
