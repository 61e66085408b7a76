// The classifier on real NUAA frames (../shared/pad beside the repository: `npm run test:datasets`; the frames are not
// copied into the repository, research licence): a printed-photo attack scores below the threshold, its twin, a bona
// fide frame of the same person, above.
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import t from 'tap'
import { loadCalibration } from '../models/calibration.ts'
import { startFaceEngine } from '../models/face-engine.ts'

const NUAA = path.resolve(import.meta.dirname, '../../shared/pad/nuaa')
const ATTACK = path.join(NUAA, 'attack/0001/0001_00_00_01_0.jpg')
const BONA_FIDE = path.join(NUAA, 'bona-fide/0001/0001_00_00_01_0.jpg')
const threshold = loadCalibration().pad!.threshold

t.test('a NUAA printed-photo attack scores below the threshold, a bona fide frame above', async (t) => {
  const engine = await startFaceEngine({ workers: 1 })
  t.teardown(() => engine.close())
  const attack = (await engine.analyze(await readFile(ATTACK))).faces[0]
  const bona = (await engine.analyze(await readFile(BONA_FIDE))).faces[0]
  t.ok(attack && attack.pad !== null && attack.pad < threshold, `attack: pad ${attack?.pad} < ${threshold}`)
  t.ok(bona && bona.pad !== null && bona.pad >= threshold, `bona fide: pad ${bona?.pad} >= ${threshold}`)
})
