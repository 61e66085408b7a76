// The classifier inside the real face engine: every detected face carries a `pad` score equal to the model's own
// score on the same decoded frame and box; the fixture probes (as the demo shows them) score above the calibrated
// threshold, NUAA frames: test-datasets/pad-classifier-nuaa.test.ts. (Synthetic screen replays are not
// asserted: the classifier accepts most of them; docs/pad-classifier.md.)
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import t from 'tap'
import { screenReplayFrame } from '../../kiosk-sim/loadtest/frames.ts'
import { loadCalibration } from '../../models/calibration.ts'
import { startFaceEngine } from '../../models/face-engine.ts'
import { decodeImage } from '../../models/image-decode.ts'
import { loadPadModel } from '../../models/pad/pad-model.ts'

const ROOT = path.resolve(import.meta.dirname, '../..')

const threshold = loadCalibration().pad!.threshold

t.test('the engine scores every face as the model does; the fixture probes pass', async (t) => {
  const engine = await startFaceEngine({ workers: 1 })
  t.teardown(() => engine.close())
  const model = loadPadModel()
  for (const name of ['r01', 'r02', 'r03', 'r04', 'r05', 'r06', 'r07']) {
    const probe = await readFile(path.join(ROOT, `fixtures/probe/${name}.jpg`))
    const [face] = (await engine.analyze(probe)).faces
    t.ok(face && face.pad !== null, `${name}: a face with a pad score`)
    t.ok(face!.pad! >= threshold, `${name}: pad ${face!.pad} >= ${threshold}`)
  }
  // The worker scores the frame it decoded, with the box it found (640 x 480: no downscale, so the same box).
  const replay = await screenReplayFrame(await readFile(path.join(ROOT, 'fixtures/probe/r04.jpg')))
  const [face] = (await engine.analyze(replay)).faces
  const direct = model.score(await decodeImage(replay, { channels: 3 }), face!.box)
  t.ok(Math.abs(face!.pad! - direct) < 1e-3, `engine ${face!.pad} = model ${direct.toFixed(4)}`)
})

t.test(
  'the tfjs backend scores the same faces alike (the classifier is the same code on the same frame)',
  async (t) => {
    const [onnx, tfjs] = await Promise.all([
      startFaceEngine({ workers: 1, backend: 'onnx' }),
      startFaceEngine({ workers: 1, backend: 'tfjs' }),
    ])
    t.teardown(() => Promise.all([onnx.close(), tfjs.close()]))
    for (const name of ['r01', 'r06']) {
      const probe = await readFile(path.join(ROOT, `fixtures/probe/${name}.jpg`))
      const a = (await onnx.analyze(probe)).faces[0]!.pad!
      const b = (await tfjs.analyze(probe)).faces[0]!.pad
      t.ok(b !== null && Math.abs(a - b) < 0.02, `${name}: onnx ${a}, tfjs ${b}`)
    }
  },
)
