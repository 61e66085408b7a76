// Box arithmetic of Human's face pipeline, ported from @vladmandic/human 3.3.6 src/face/facemeshutil.ts
// (MIT License, Copyright (c) Vladimir Mandic). Points are [x, y] in the detector's input image pixels.

export type Point = [number, number]

export interface FaceBox {
  startPoint: Point
  endPoint: Point
  /** Detector confidence (float32, as the scores tensor holds it). */
  confidence: number
}

export const boxSize = (box: FaceBox): Point => [
  Math.abs(box.endPoint[0] - box.startPoint[0]),
  Math.abs(box.endPoint[1] - box.startPoint[1]),
]

export const boxCenter = (box: FaceBox): Point => [
  box.startPoint[0] + (box.endPoint[0] - box.startPoint[0]) / 2,
  box.startPoint[1] + (box.endPoint[1] - box.startPoint[1]) / 2,
]

/** Human's `enlargeBox`: the same centre, each side times `factor`. */
export function enlargeBox(box: FaceBox, factor: number): FaceBox {
  const center = boxCenter(box)
  const size = boxSize(box)
  const half: Point = [(factor * size[0]) / 2, (factor * size[1]) / 2]
  return {
    startPoint: [center[0] - half[0], center[1] - half[1]],
    endPoint: [center[0] + half[0], center[1] + half[1]],
    confidence: box.confidence,
  }
}

/** Human's `squarifyBox`: a square on the longer side, corners rounded to whole pixels. */
export function squarifyBox(box: FaceBox): FaceBox & { size: Point } {
  const center = boxCenter(box)
  const size = boxSize(box)
  const half = Math.max(...size) / 2
  return {
    startPoint: [Math.round(center[0] - half), Math.round(center[1] - half)],
    endPoint: [Math.round(center[0] + half), Math.round(center[1] + half)],
    confidence: box.confidence,
    size: [Math.round(size[0]), Math.round(size[1])],
  }
}

/** Human's `clampBox`: [x, y, w, h] inside the image, truncated to whole pixels. */
export function clampBox(box: FaceBox, width: number, height: number): [number, number, number, number] {
  const x = Math.max(0, box.startPoint[0])
  const y = Math.max(0, box.startPoint[1])
  return [
    Math.trunc(x),
    Math.trunc(y),
    Math.trunc(Math.min(width, box.endPoint[0]) - x),
    Math.trunc(Math.min(height, box.endPoint[1]) - y),
  ]
}

/** Human's `getRawBox`: [x, y, w, h] in 0..1 of the image. */
export function rawBox(box: FaceBox, width: number, height: number): [number, number, number, number] {
  return [
    box.startPoint[0] / width,
    box.startPoint[1] / height,
    (box.endPoint[0] - box.startPoint[0]) / width,
    (box.endPoint[1] - box.startPoint[1]) / height,
  ]
}
