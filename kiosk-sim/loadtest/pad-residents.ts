// The PAD set's subjects as residents of the load test: each enrols from bona fide frames through the operator API
// (as every resident does), and their printed-photo attack frames are later shown with their own valid token.

import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { hkidCheckDigit } from '../../contract/hkid.ts'
import { readPadManifest } from '../pad-eval/pad-manifest.ts'
import { ApiError, type OperatorClient } from '../scenario/operator-client.ts'
import { enrolOrReset } from '../scenario/run-fixtures.ts'

/** Photos per enrolment, as residents enrol (calibration enrolmentPhotos). */
const ENROLMENT_PHOTOS = 3
/** Enrolment attempts per subject: a refused photo is replaced by the subject's next frame. */
const MAX_ATTEMPTS = 8

export interface PadResident {
  subject: string
  credential: string
  /** The subject's printed-photo attack frames (JPEG bytes), by file name. */
  attackFrames: Buffer[]
}

/**
 * Enrols every subject of the PAD set from its first bona fide frames by file name; a photo the server refuses
 * (e.g. FACE_SPOOF_SUSPECTED: the same anti-spoof gate applies at enrolment) is replaced by the next frame. A
 * subject that cannot be enrolled is left out, with one line to `log`.
 */
export async function enrolPadResidents(
  operator: OperatorClient,
  dataset: string,
  log: (line: string) => void,
): Promise<PadResident[]> {
  const entries = await readPadManifest(dataset)
  const subjects = [...new Set(entries.map((e) => e.subject))]
  const residents: PadResident[] = []
  for (const [i, subject] of subjects.entries()) {
    const files = (presentation: 'bona-fide' | 'attack') =>
      entries
        .filter(
          (e) =>
            e.subject === subject &&
            e.presentation === presentation &&
            (presentation === 'bona-fide' || e.species === 'printed-photo'),
        )
        .map((e) => e.file)
        .sort()
    const attacks = files('attack')
    if (attacks.length === 0) continue
    const credential = await enrolSubject(operator, dataset, i, files('bona-fide'))
    if (!credential) {
      log(`load test: PAD subject ${subject} could not be enrolled; its attacks are left out`)
      continue
    }
    const attackFrames = await Promise.all(attacks.map((f) => readFile(path.join(dataset, f))))
    residents.push({ subject, credential, attackFrames })
  }
  return residents
}

async function enrolSubject(
  operator: OperatorClient,
  dataset: string,
  index: number,
  bonaFide: string[],
): Promise<string | null> {
  const digits = String(900_000 + index)
  const residentId = `W${digits}(${hkidCheckDigit('W', digits)})`
  const queue = [...bonaFide]
  let chosen = queue.splice(0, ENROLMENT_PHOTOS)
  for (let attempt = 0; attempt < MAX_ATTEMPTS && chosen.length === ENROLMENT_PHOTOS; attempt++) {
    const photos = await Promise.all(chosen.map((f) => readFile(path.join(dataset, f))))
    try {
      return await enrolOrReset(operator, {
        residentId,
        name: `PAD Subject ${index + 1}`,
        dateOfBirth: '1990-01-01',
        guardianConsent: false,
        photos,
      })
    } catch (error) {
      if (!(error instanceof ApiError) || error.photoIndexes.length === 0) return null
      chosen = chosen.filter((_, k) => !error.photoIndexes.includes(k))
      chosen.push(...queue.splice(0, ENROLMENT_PHOTOS - chosen.length))
    }
  }
  return null
}
