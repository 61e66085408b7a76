import t from 'tap'
import { formatFrameLatency, frameLatencySummary } from '../../kiosk-sim/live/frame-latency.ts'
import type { FrameLatency } from '../../kiosk-sim/gate/gate-driver.ts'

const waiting = (ms: number, qrRead: boolean, qrMs: number): FrameLatency => ({
  index: 0,
  phase: 'WAITING_FOR_QR',
  work: 'qr',
  ms,
  qrRead,
  qrMs,
})
const capturing = (ms: number): FrameLatency => ({ index: 0, phase: 'CAPTURING_FACE', work: 'faces', ms, faces: 1 })

t.test('waiting and capturing frames are summarised apart, nearest-rank p50/p95', async (t) => {
  const latencies = [
    ...Array.from({ length: 19 }, (_, i) => waiting(10 + i, false, 8 + i)),
    waiting(200, true, 30),
    ...[100, 120, 140, 160].map(capturing),
  ]
  const s = frameLatencySummary(latencies)
  t.same(s.waitingQr, { frames: 20, p50: 19, p95: 28 })
  t.same(s.waitingQrRead, { frames: 1, p50: 200, p95: 200 })
  t.same(s.waitingNoQr, { frames: 19, p50: 19, p95: 28 })
  t.same(s.qrDecoderOnly, { frames: 20, p50: 17, p95: 26 })
  t.same(s.capturingFace, { frames: 4, p50: 120, p95: 160 })
  t.equal(s.all.frames, 24)
  t.match(formatFrameLatency(s), /capturing: face analysis\s+4 {2}120\.0 \/ 160\.0/)
})

t.test('no frames of a kind: counts are zero and the figures print as -', async (t) => {
  const s = frameLatencySummary([waiting(10, false, 9)])
  t.same(s.capturingFace.frames, 0)
  t.match(formatFrameLatency(s), /capturing: face analysis\s+0 {2}- \/ -/)
})
