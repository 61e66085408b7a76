// Passenger clips for the fixture passengers: each passenger's freshly issued token and face photo, as a
// clip spec ready for passengerClipFrames / writeY4m / writeVideo. Tokens are only valid on the server that
// issued them and for its token lifetime, so clips are made just before they are played.
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import type { Decision } from '../../contract/decision-reasons.ts'
import { renderHeadTurn, type FaceMeshFixture } from '../sources/head-turn.ts'
import type { PassengerClipSpec } from '../sources/passenger-clip.ts'
import { fixturePath, type FixturePassenger, type FixtureSet } from './fixture-set.ts'
import type { OperatorClient } from './operator-client.ts'
import { enrolOrReset, tokenFor } from './run-fixtures.ts'

export interface FixtureClip {
  /** The passenger id, or `<id>-tailgate` for the extra clip in which a second person steps in. */
  name: string
  passenger: FixturePassenger
  spec: PassengerClipSpec
  expected: Decision
}

export interface FixtureClipOptions {
  /** Only these passenger ids (default: all that a clip can show). */
  only?: readonly string[]
  /** Frame size and rate, passed to every spec. */
  clip?: Pick<PassengerClipSpec, 'width' | 'height' | 'fps' | 'idleSeconds' | 'qrSeconds' | 'faceSeconds'>
  /** Add a clip of the first genuine passenger joined by a second person during the face step (MULTIPLE_FACES). */
  tailgate?: boolean
  /**
   * Add two clips in which the first genuine passenger is seen holding the phone (one phone frame, then the
   * face step): `-holder`, the same person faces the camera (APPROVE); `-swap`, another person does (FACE_CHANGED).
   */
  swap?: boolean
  /**
   * Faces that turn their head (rendered from the photo's mesh in fixtures/face-meshes.json), so that genuine
   * clips can answer a liveness challenge: half of `yawDeg` on face frame `from`, then `yawDeg` held.
   */
  turn?: { meshes: FaceMeshFixture; yawDeg: number; from: number }
}

/**
 * Enrols the residents (or resets their credentials), then yields the clips in passenger order, issuing each
 * passenger's token only when its clip is asked for (tokens live two minutes). `expired` passengers are left
 * out: a clip plays within the token's lifetime.
 */
export async function* fixtureClips(
  set: FixtureSet,
  operator: OperatorClient,
  options: FixtureClipOptions = {},
): AsyncGenerator<FixtureClip> {
  const credentials = new Map<string, string>()
  for (const resident of set.residents) {
    const photo = await readFile(fixturePath(set, resident.enrolPhoto))
    credentials.set(resident.residentId, await enrolOrReset(operator, { ...resident, photo }))
  }
  const tokens = new Map<string, string>()
  for (const passenger of set.passengers) {
    if (passenger.scenario === 'expired') continue
    if (options.only && !options.only.includes(passenger.id) && !isReusedBy(passenger, set, options.only)) continue
    const token = await tokenFor(passenger, operator, credentials, tokens)
    tokens.set(passenger.id, token)
    if (options.only && !options.only.includes(passenger.id)) continue
    const facePhoto = await readFile(fixturePath(set, passenger.faceFrame))
    const spec: PassengerClipSpec = {
      qrText: token,
      facePhoto,
      seed: passenger.qrSeed,
      qrDifficulty: passenger.qrDifficulty,
      ...options.clip,
      ...(await turning(facePhoto, passenger.faceFrame, options.turn)),
    }
    yield { name: passenger.id, passenger, spec, expected: passenger.expected }
  }
  const genuine = set.passengers.find((p) => p.scenario === 'genuine')
  const other = set.passengers.find((p) => p.scenario === 'genuine' && p.faceFrame !== genuine?.faceFrame)
  if (options.tailgate && genuine && other) {
    const { token } = await operator.issueToken(credentials.get(genuine.tokenOf)!)
    const spec: PassengerClipSpec = {
      qrText: token,
      facePhoto: await readFile(fixturePath(set, genuine.faceFrame)),
      secondFacePhoto: await readFile(fixturePath(set, other.faceFrame)),
      seed: genuine.qrSeed + 7,
      ...options.clip,
    }
    Object.assign(spec, await turning(spec.facePhoto, genuine.faceFrame, options.turn))
    yield {
      name: `${genuine.id}-tailgate`,
      passenger: genuine,
      spec,
      expected: { decision: 'REFER_TO_OFFICER', reason: 'MULTIPLE_FACES' },
    }
  }
  if (options.swap && genuine && other) {
    const own = await readFile(fixturePath(set, genuine.faceFrame))
    const stranger = await readFile(fixturePath(set, other.faceFrame))
    const variants = [
      {
        name: `${genuine.id}-holder`,
        facePhoto: own,
        photoPath: genuine.faceFrame,
        expected: { decision: 'APPROVE', reason: null } as const,
      },
      {
        name: `${genuine.id}-swap`,
        facePhoto: stranger,
        photoPath: other.faceFrame,
        expected: { decision: 'REFER_TO_OFFICER', reason: 'FACE_CHANGED' } as const,
      },
    ]
    for (const [i, variant] of variants.entries()) {
      const { token } = await operator.issueToken(credentials.get(genuine.tokenOf)!)
      const fps = options.clip?.fps ?? 10
      // One phone frame: the gate reads the QR and sees the holder there, then captures whoever faces it next.
      const spec: PassengerClipSpec = {
        ...options.clip,
        qrText: token,
        facePhoto: variant.facePhoto,
        holderPhoto: own,
        seed: genuine.qrSeed + 11 + i,
        qrSeconds: 1 / fps,
        ...(await turning(variant.facePhoto, variant.photoPath, options.turn)),
      }
      yield { name: variant.name, passenger: genuine, spec, expected: variant.expected }
    }
  }
}

/** A replay passenger needs the earlier passenger's token to have been issued. */
function isReusedBy(passenger: FixturePassenger, set: FixtureSet, only: readonly string[]): boolean {
  return set.passengers.some((p) => only.includes(p.id) && p.reuseTokenOf === passenger.id)
}

/** The head-turn photos of a face photo, when its mesh is known. */
async function turning(
  photo: Buffer,
  photoPath: string,
  turn: FixtureClipOptions['turn'],
): Promise<Pick<PassengerClipSpec, 'turnPhotos' | 'turnFrom'>> {
  const mesh = turn?.meshes.meshes[path.basename(photoPath)]
  if (!turn || !mesh) return {}
  const turnPhotos = [
    await renderHeadTurn(photo, mesh, turn.meshes.triangles, turn.yawDeg / 2),
    await renderHeadTurn(photo, mesh, turn.meshes.triangles, turn.yawDeg),
  ]
  return { turnPhotos, turnFrom: turn.from }
}
