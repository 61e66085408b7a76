// The options of `kiosk-sim run` as commander parses them, shared by its fixture and live actions.
import type { ConnectionValues } from './kiosk-options.ts'

export interface RunValues extends ConnectionValues {
  fixtures?: string
  log: string
  json?: string
  outbox?: string
  camera?: string
  video?: string
  width: number
  height: number
  fps: number
  gray?: boolean
  realtime?: boolean
  framesToFuse: number
  faceWindow: number
  hold: number
  ffmpeg?: string
  frameLog: string
  passiveOnly?: boolean
}
