// The engine side of the PAD evaluation: every frame of the dataset through the face engine the kiosk runs
// (models/face-engine.ts, same backend), in the order of the manifest. Scoring is pure (pad-report.ts).

import path from 'node:path'
import type { FaceBackend } from '../../models/face-types.ts'
import { analyseFiles, startBatchEngine, type StartEngine } from '../eval/analyse-images.ts'
import type { PadAnalyses, PadImageAnalysis } from './pad-analyses.ts'
import { readPadManifest } from './pad-manifest.ts'

export interface PadRunOptions {
  /** Folder holding manifest.json; files in it are relative to this folder. */
  dataset: string
  workers: number
  backend: FaceBackend
  onProgress?: (progress: { done: number; total: number; noFace: number }) => void
  /** Defaults to the real engine. */
  startEngine?: StartEngine
}

export async function analysePadDataset(options: PadRunOptions): Promise<PadAnalyses> {
  const entries = await readPadManifest(options.dataset)
  const engine = await startBatchEngine(options.workers, options.backend, options.startEngine)
  let done = 0
  let noFace = 0
  try {
    const outcomes = await analyseFiles(
      engine,
      entries.map((e) => path.join(options.dataset, e.file)),
      options.workers * 2,
      (_, outcome) => {
        done++
        if (!outcome.analysis || outcome.analysis.faces.length === 0) noFace++
        options.onProgress?.({ done, total: entries.length, noFace })
      },
    )
    const images = entries.map((entry, i): PadImageAnalysis => {
      const { analysis, imageError } = outcomes[i]!
      if (!analysis) return { ...entry, imageError, width: 0, height: 0, faces: [], ms: 0 }
      const t = analysis.timings
      return {
        ...entry,
        imageError: null,
        width: analysis.width,
        height: analysis.height,
        faces: analysis.faces,
        ms: t.detectMs + t.embedMs + t.livenessMs,
      }
    })
    return {
      model: engine.model,
      backend: options.backend,
      dataset: options.dataset,
      createdAt: new Date().toISOString(),
      images,
    }
  } finally {
    await engine.close()
  }
}
