// The labelled images the classifier learns from and is measured on: NUAA frames (bona fide and printed-photo
// attacks, 8 subjects) and, as extra bona fide presentations from other people and cameras, ../shared/faces.
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import path from 'node:path'

export type Source = 'nuaa' | 'faces'

export interface Sample {
  file: string
  /** true: a live person in front of the camera; false: an attack. */
  bonaFide: boolean
  /** The person: cross-validation folds split by it, never by frame. */
  group: string
  source: Source
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
