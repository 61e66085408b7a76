// The labelled images the classifier learns from and is measured on: NUAA frames (bona fide and printed-photo
// attacks, 8 subjects) and, as extra bona fide presentations from other people and cameras, ../shared/faces.
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import path from 'node:path'

/** nuaa: NUAA frames; faces: ../shared/faces photos (bona fide); screen: synthetic screen replays of faces photos. */
export type Source = 'nuaa' | 'faces' | 'screen'

export interface Sample {
  file: string
  /** true: a live person in front of the camera; false: an attack. */
  bonaFide: boolean
  /** The person: cross-validation folds split by it, never by frame. */
  group: string
  source: Source
  /** For a synthetic attack: the bona fide photo it was made from. */
  from?: string
}

interface PadEntry {
  file: string
  subject: string
  presentation: 'bona-fide' | 'attack'
}
interface FacesEntry {
  file: string
  identity: string
}

export interface Dataset {
  samples: Sample[]
  manifestSha256: { pad: string; faces: string }
}

export function loadDataset(padRoot: string, facesRoot: string): Dataset {
  const padText = readFileSync(path.join(padRoot, 'manifest.json'), 'utf8')
  const facesText = readFileSync(path.join(facesRoot, 'manifest.json'), 'utf8')
  const pad = (JSON.parse(padText) as PadEntry[]).map((e): Sample => ({
    file: path.join(padRoot, e.file),
    bonaFide: e.presentation === 'bona-fide',
    group: e.subject,
    source: 'nuaa',
  }))
  const faces = (JSON.parse(facesText) as FacesEntry[]).map((e): Sample => ({
    file: path.join(facesRoot, e.file),
    bonaFide: true,
    group: e.identity,
    source: 'faces',
  }))
  const sha = (text: string): string => createHash('sha256').update(text).digest('hex')
  return { samples: [...pad, ...faces], manifestSha256: { pad: sha(padText), faces: sha(facesText) } }
}

/**
 * Synthetic screen-replay attacks (the load test's screenReplayFrame) of every `every`-th faces photo, as files
 * under `dir`: the same identity as the photo, so cross-validation keeps both on one side of a split.
 */
export function screenReplaySamples(samples: readonly Sample[], dir: string, every: number): Sample[] {
  return samples
    .filter((s) => s.source === 'faces')
    .filter((_, i) => i % every === 0)
    .map((s) => ({
      file: path.join(dir, s.group.replace(/[^A-Za-z0-9_-]/g, '_'), path.basename(s.file)),
      bonaFide: false,
      group: s.group,
      source: 'screen',
      from: s.file,
    }))
}
