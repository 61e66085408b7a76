// The classifier inside the real face engine: every detected face carries a `pad` score, a fixture probe (a face
// photo dataset's person, as the demo shows them) scores above the calibrated threshold, the load test's
// screen-replay spoof of it and a NUAA printed-photo attack score below, a NUAA bona fide frame above.
import { existsSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import t from 'tap'
import { screenReplayFrame } from '../../kiosk-sim/loadtest/frames.ts'
import { loadCalibration } from '../../models/calibration.ts'
import { startFaceEngine } from '../../models/face-engine.ts'

const ROOT = path.resolve(import.meta.dirname, '../..')
// NUAA frames are not copied into the repository (research licence): read from the shared data folder.
const NUAA = path.resolve(ROOT, '../shared/pad/nuaa')
const ATTACK = path.join(NUAA, 'attack/0001/0001_00_00_01_0.jpg')
const BONA_FIDE = path.join(NUAA, 'bona-fide/0001/0001_00_00_01_0.jpg')

const threshold = loadCalibration().pad!.threshold

t.test('the engine scores every face; the fixture probe passes and its screen replay does not', async (t) => {
  const engine = await startFaceEngine({ workers: 1 })
  t.teardown(() => engine.close())
  for (const name of ['r01', 'r04', 'r07']) {
    const probe = await readFile(path.join(ROOT, `fixtures/probe/${name}.jpg`))
    const [face] = (await engine.analyze(probe)).faces
    t.ok(face && face.pad !== null, `${name}: a face with a pad score`)
    t.ok(face!.pad! >= threshold, `${name}: pad ${face!.pad} >= ${threshold}`)
    const replay = (await engine.analyze(await screenReplayFrame(probe))).faces[0]
    t.ok(
      replay === undefined || replay.pad! < threshold,
      `${name} on a phone screen: pad ${replay?.pad} < ${threshold}`,
    )
  }
})

const nuaaMissing = !existsSync(ATTACK) || !existsSync(BONA_FIDE) ? `NUAA frames not found under ${NUAA}` : false
t.test(
  'a NUAA printed-photo attack scores below the threshold, a bona fide frame above',
  { skip: nuaaMissing },
  async (t) => {
    const engine = await startFaceEngine({ workers: 1 })
    t.teardown(() => engine.close())
    const attack = (await engine.analyze(await readFile(ATTACK))).faces[0]
    const bona = (await engine.analyze(await readFile(BONA_FIDE))).faces[0]
    t.ok(attack && attack.pad !== null && attack.pad < threshold, `attack: pad ${attack?.pad} < ${threshold}`)
    t.ok(bona && bona.pad !== null && bona.pad >= threshold, `bona fide: pad ${bona?.pad} >= ${threshold}`)
  },
)
