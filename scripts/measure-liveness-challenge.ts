// Measures the liveness challenge on ../shared/pad (NUAA): every recording (subject, glasses, place, session) is
// replayed from each of its frames as the challenge's first frame, at 5 frames a second, through the pure
// challenge module, for each action. Input: the JSON lines of scripts/pad-geometry.ts. The figures go into
// docs/liveness-challenge.md.
// Usage: npx tsx scripts/measure-liveness-challenge.ts pad-geometry.jsonl [--list]   (--list: each bona fide pass)
import { readFile } from 'node:fs/promises'
import { loadCalibration } from '../models/calibration.ts'
import { thresholdsFrom } from '../models/thresholds.ts'
import type { FaceGeometry } from '../models/face-types.ts'
import {
  CHALLENGE_KINDS,
  defaultChallengeConfig,
  startChallenge,
  stepChallenge,
  type ChallengeKind,
} from '../kiosk-sim/gate/liveness-challenge.ts'

interface Row {
  file: string
  presentation: 'bona-fide' | 'attack'
  geometry: FaceGeometry | null
  embedding: number[] | null
}

const FRAME_MS = 200
const LIST = process.argv.includes('--list')
const rows = (await readFile(process.argv[2] ?? 'pad-geometry.jsonl', 'utf8'))
  .split('\n')
  .filter(Boolean)
  .map((line) => JSON.parse(line) as Row)
const recordings = new Map<string, Row[]>()
for (const row of rows) {
  const name = row.file.split('/').pop()!
  const key = `${row.presentation}/${name.slice(0, name.lastIndexOf('_'))}`
  recordings.set(key, [...(recordings.get(key) ?? []), row])
}
const frameNo = (row: Row) => Number(row.file.slice(row.file.lastIndexOf('_') + 1, -4))
for (const list of recordings.values()) list.sort((a, b) => frameNo(a) - frameNo(b))

const config = defaultChallengeConfig(thresholdsFrom(loadCalibration()).singlePhotoMatchThreshold)

/** Replays `frames` from the first as the challenge's frames, 200 ms apart: the status after the last. */
function replay(kind: ChallengeKind, frames: Row[]) {
  let state = startChallenge(kind, 0)
  frames.forEach((row, i) => {
    const face = row.embedding ? { geometry: row.geometry, embedding: new Float32Array(row.embedding) } : null
    state = stepChallenge(state, { at: (i + 1) * FRAME_MS, face }, config)
  })
  return state.status
}

type Tally = { windows: number; passed: Record<ChallengeKind, number>; failures: Record<string, number> }
const tally = (): Tally => ({ windows: 0, passed: { TURN_LEFT: 0, TURN_RIGHT: 0, BLINK: 0 }, failures: {} })
const byPresentation = { 'bona-fide': tally(), attack: tally() }
const recordingsPassed = { 'bona-fide': new Set<string>(), attack: new Set<string>() }
const recordingCount = { 'bona-fide': 0, attack: 0 }
const spread = { 'bona-fide': [] as number[], attack: [] as number[] }
const windowFrames = config.timeLimitMs / FRAME_MS
for (const [key, list] of recordings) {
  const presentation = list[0]!.presentation
  recordingCount[presentation]++
  const parallaxes = list.flatMap((r) => (r.geometry ? [r.geometry.parallax] : []))
  if (parallaxes.length) spread[presentation].push(Math.max(...parallaxes) - Math.min(...parallaxes))
  for (let start = 0; start < list.length; start++) {
    const t = byPresentation[presentation]
    t.windows++
    for (const kind of CHALLENGE_KINDS) {
      const status = replay(kind, list.slice(start, start + windowFrames))
      if (status.result === 'PASSED') {
        t.passed[kind]++
        recordingsPassed[presentation].add(key)
        if (presentation === 'bona-fide' && LIST) console.log(`passes ${kind}: ${key} from ${start}`)
      } else {
        // RUNNING: the recording ended within the window without an answer (the gate would time out).
        const k = `${kind}:${status.result === 'FAILED' ? status.reason : 'UNANSWERED'}`
        t.failures[k] = (t.failures[k] ?? 0) + 1
      }
    }
  }
}
const quantiles = (v: number[]) => {
  const s = [...v].sort((a, b) => a - b)
  return [0.5, 0.9, 1].map((q) => s[Math.min(s.length - 1, Math.floor(q * s.length))]!.toFixed(3)).join(' / ')
}
for (const presentation of ['attack', 'bona-fide'] as const) {
  const t = byPresentation[presentation]
  console.log(
    `${presentation}: ${recordingCount[presentation]} recordings, ${t.windows} windows; ` +
      `recordings with any window passing any challenge: ${recordingsPassed[presentation].size}`,
  )
  console.log(`  windows passed: ${JSON.stringify(t.passed)}`)
  console.log(`  failures: ${JSON.stringify(t.failures)}`)
  console.log(`  parallax range within a recording (median / p90 / max): ${quantiles(spread[presentation])}`)
}
