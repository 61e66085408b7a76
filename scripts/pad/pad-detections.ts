// The face engine's findings on every training image, run once and cached in out/ (git-ignored): the classifier
// is trained on the boxes the kiosk's engine draws, and retraining must not wait minutes for detection again.
import { existsSync, readFileSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { startFaceEngine } from '../../models/face-engine.ts'
import type { Box } from '../../models/face-types.ts'
import { writeOutput } from '../../lib/write-output.ts'

export interface CachedFace {
  box: Box
  detectorScore: number
  faceSizePx: number
  antispoof: number | null
  liveness: number | null
}

export interface CachedDetection {
  /** Largest face first; empty when none was found or the image could not be read. */
  faces: CachedFace[]
  width: number
  height: number
}

/** Detections keyed by absolute file path; the key set and the files' sizes decide whether the cache is stale. */
export type DetectionCache = Record<string, CachedDetection>

/**
 * The engine's findings for `files`, read from the cache where present; only missing files are analysed, then the
 * cache is rewritten. Delete the cache after changing the engine or its calibration.
 */
export async function detectAll(files: readonly string[], cachePath: string): Promise<DetectionCache> {
  const detections: DetectionCache = existsSync(cachePath)
    ? (JSON.parse(readFileSync(cachePath, 'utf8')) as { detections: DetectionCache }).detections
    : {}
  const missing = files.filter((file) => !detections[file])
  if (missing.length === 0) return detections
  const engine = await startFaceEngine({ workers: 1 })
  try {
    let done = 0
    for (const file of missing) {
      try {
        const analysis = await engine.analyze(await readFile(file))
        detections[file] = {
          width: analysis.width,
          height: analysis.height,
          faces: analysis.faces.map((f) => ({
            box: f.box,
            detectorScore: f.detectorScore,
            faceSizePx: f.faceSizePx,
            antispoof: f.antispoof,
            liveness: f.liveness,
          })),
        }
      } catch {
        detections[file] = { width: 0, height: 0, faces: [] }
      }
      if (++done % 200 === 0) process.stderr.write(`detected ${done}/${missing.length}\n`)
    }
  } finally {
    await engine.close()
  }
  await writeOutput(cachePath, JSON.stringify({ detections }))
  return detections
}

export const relativeTo = (root: string, file: string): string => path.relative(root, file)
