import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { CodedError } from '../../lib/coded-error.ts'
import type { Decision } from '../../contract/decision-reasons.ts'

export type Scenario = 'genuine' | 'impostor' | 'expired' | 'replay' | 'forged' | 'noface' | 'twofaces'

export interface FixtureResident {
  residentId: string
  name: string
  dateOfBirth: string
  guardianConsent: boolean
  enrolPhoto: string
}

export interface FixturePassenger {
  id: string
  scenario: Scenario
  tokenOf: string
  faceFrame: string
  presentAfterSeconds: number
  reuseTokenOf?: string
  qrSeed: number
  qrDifficulty: 'clean' | 'mild' | 'hard'
  expected: Decision
}

export interface FixtureSet {
  dir: string
  residents: FixtureResident[]
  passengers: FixturePassenger[]
}

/** A fixture directory that is missing, or misses one of its two files. */
export class FixtureSetError extends CodedError<'FIXTURES_NOT_FOUND' | 'FIXTURES_INVALID'> {}

/** Reads residents.json and passengers.json (the truth file) from a fixture directory. */
export async function loadFixtureSet(dir: string): Promise<FixtureSet> {
  const read = async (name: string) => {
    let text: string
    try {
      text = await readFile(path.join(dir, name), 'utf8')
    } catch {
      throw new FixtureSetError('FIXTURES_NOT_FOUND', `${dir}: no ${name} (see fixtures/README.md)`)
    }
    try {
      return JSON.parse(text) as unknown
    } catch {
      throw new FixtureSetError('FIXTURES_INVALID', `${dir}: ${name} is not JSON`)
    }
  }
  const residents = (await read('residents.json')) as FixtureResident[]
  const passengers = (await read('passengers.json')) as FixturePassenger[]
  if (!Array.isArray(residents) || !Array.isArray(passengers))
    throw new Error(`${dir}: residents.json and passengers.json must be arrays`)
  const known = new Set(residents.map((r) => r.residentId))
  for (const p of passengers) {
    if (!known.has(p.tokenOf)) throw new Error(`passenger ${p.id}: tokenOf ${p.tokenOf} is not a fixture resident`)
    if (p.scenario === 'replay' && !passengers.some((q) => q.id === p.reuseTokenOf)) {
      throw new Error(`passenger ${p.id}: reuseTokenOf ${p.reuseTokenOf} is not an earlier passenger`)
    }
  }
  return { dir, residents, passengers }
}

export const fixturePath = (set: FixtureSet, file: string) => path.join(set.dir, file)
