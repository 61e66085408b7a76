// The PAD dataset's manifest.json: which frames are bona fide and which are attacks, of what species (ISO/IEC
// 30107-3 "presentation attack instrument species"), of which subject. Parsing is pure; reading is one function.

import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { PadEvalError } from './pad-eval-error.ts'

export type Presentation = 'bona-fide' | 'attack'

export interface PadEntry {
  /** Relative to the dataset folder. */
  file: string
  subject: string
  presentation: Presentation
  /** The attack instrument species (any label, e.g. 'printed-photo'); null for bona fide. */
  species: string | null
}

/** Reads DIR/manifest.json; throws PadEvalError (PAD_MANIFEST_UNREADABLE or PAD_MANIFEST_INVALID). */
export async function readPadManifest(dataset: string): Promise<PadEntry[]> {
  const file = path.join(dataset, 'manifest.json')
  let value: unknown
  try {
    value = JSON.parse(await readFile(file, 'utf8'))
  } catch (error) {
    throw new PadEvalError('PAD_MANIFEST_UNREADABLE', `${file}: ${(error as Error).message}`)
  }
  return parsePadManifest(value, file)
}

/**
 * Validates a parsed manifest: a non-empty array of { file, subject, presentation, species }, an attack with a
 * species, a bona fide frame without one, files inside the dataset and each listed once. Extra keys are kept out.
 */
export function parsePadManifest(value: unknown, source = 'manifest.json'): PadEntry[] {
  const invalid = (where: string, problem: string) =>
    new PadEvalError('PAD_MANIFEST_INVALID', `${source}${where}: ${problem}`)
  if (!Array.isArray(value) || value.length === 0) throw invalid('', 'expected a non-empty array of entries')
  const seen = new Set<string>()
  return value.map((raw: unknown, i) => {
    const at = `[${i}]`
    if (typeof raw !== 'object' || raw === null) throw invalid(at, 'expected an object')
    const e = raw as Record<string, unknown>
    if (typeof e.file !== 'string' || e.file === '') throw invalid(at, 'file must be a non-empty string')
    const normalised = path.posix.normalize(e.file.replaceAll('\\', '/'))
    if (path.posix.isAbsolute(normalised) || normalised.startsWith('../') || normalised === '..')
      throw invalid(at, `${e.file} is outside the dataset`)
    if (seen.has(normalised)) throw invalid(at, `${e.file} is listed twice`)
    seen.add(normalised)
    if (typeof e.subject !== 'string' || e.subject === '') throw invalid(at, 'subject must be a non-empty string')
    if (e.presentation !== 'bona-fide' && e.presentation !== 'attack')
      throw invalid(at, `presentation must be 'bona-fide' or 'attack', got ${JSON.stringify(e.presentation)}`)
    if (e.presentation === 'attack' && (typeof e.species !== 'string' || e.species === ''))
      throw invalid(at, 'an attack needs a species (a non-empty string)')
    if (e.presentation === 'bona-fide' && e.species !== null && e.species !== undefined)
      throw invalid(at, 'a bona fide frame has species null')
    return {
      file: e.file,
      subject: e.subject,
      presentation: e.presentation,
      species: e.presentation === 'attack' ? (e.species as string) : null,
    }
  })
}
