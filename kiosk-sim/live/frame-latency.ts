// Per-frame latency of the live gate (pure): what one frame costs while waiting for a QR and while capturing.
import { summarise } from '../../lib/percentiles.ts'
import type { FrameLatency } from '../gate/gate-driver.ts'

export interface FrameLatencySummary {
  /** QR decode per frame while waiting (the frame that reads the QR also looks for the holder's face). */
  waitingQr: { frames: number; p50: number; p95: number }
  /** The same, split: frames where a QR was read, and frames without one (every decoder attempt runs). */
  waitingQrRead: { frames: number; p50: number; p95: number }
  waitingNoQr: { frames: number; p50: number; p95: number }
  /** The QR decoder alone (the frame's conversion and every attempt), on every waiting frame. */
  qrDecoderOnly: { frames: number; p50: number; p95: number }
  /** Face analysis per frame while capturing (the copy to the engine's worker included). */
  capturingFace: { frames: number; p50: number; p95: number }
  /** Every frame that was worked on. */
  all: { frames: number; p50: number; p95: number }
}

export function frameLatencySummary(latencies: readonly FrameLatency[]): FrameLatencySummary {
  const ofValues = (ms: readonly number[]) => {
    const { p50, p95 } = summarise(ms)
    return { frames: ms.length, p50, p95 }
  }
  const of = (list: readonly FrameLatency[]) => ofValues(list.map((l) => l.ms))
  return {
    waitingQr: of(latencies.filter((l) => l.work === 'qr')),
    waitingQrRead: of(latencies.filter((l) => l.work === 'qr' && l.qrRead)),
    waitingNoQr: of(latencies.filter((l) => l.work === 'qr' && !l.qrRead)),
    qrDecoderOnly: ofValues(latencies.flatMap((l) => (l.qrMs === undefined ? [] : [l.qrMs]))),
    capturingFace: of(latencies.filter((l) => l.work === 'faces')),
    all: of(latencies),
  }
}

export function formatFrameLatency(s: FrameLatencySummary): string {
  const row = (name: string, v: { frames: number; p50: number; p95: number }) =>
    `  ${name.padEnd(26)} ${String(v.frames).padStart(5)}  ${fmt(v.p50)} / ${fmt(v.p95)}`
  return [
    'per-frame ms (frames, p50 / p95)',
    row('waiting: QR decode', s.waitingQr),
    row('  frames with a QR (+faces)', s.waitingQrRead),
    row('  frames without', s.waitingNoQr),
    row('  QR decoder alone', s.qrDecoderOnly),
    row('capturing: face analysis', s.capturingFace),
    row('all frames', s.all),
  ].join('\n')
}

function fmt(v: number): string {
  return Number.isFinite(v) ? v.toFixed(1) : '-'
}
