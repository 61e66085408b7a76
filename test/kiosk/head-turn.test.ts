// The head-turn renderer on a fixture photo and its mesh: no turn gives the photo back; a turn changes the face
// only; the face engine's view of the result is tested end to end (test/e2e/live-video-end-to-end.test.ts).
import { readFile } from 'node:fs/promises'
import sharp from 'sharp'
import t from 'tap'
import { loadFaceMeshes, renderHeadTurn } from '../../kiosk-sim/sources/head-turn.ts'

const pixels = async (image: Buffer) => await sharp(image).removeAlpha().raw().toBuffer({ resolveWithObject: true })

t.test('no turn redraws the face where it is; a turn moves the face and nothing else', async (t) => {
  const { meshes, triangles } = await loadFaceMeshes()
  t.equal(triangles.length % 3, 0)
  t.ok(triangles.length / 3 > 800, 'the mesh triangulation')
  const photo = await readFile('fixtures/probe/r01.jpg')
  const mesh = meshes['r01.jpg']!
  t.equal(mesh.length, 468)
  const original = await pixels(photo)
  const still = await pixels(await renderHeadTurn(photo, mesh, triangles, 0))
  const turned = await pixels(await renderHeadTurn(photo, mesh, triangles, 30))
  t.same([still.info.width, still.info.height], [original.info.width, original.info.height])

  const xs = mesh.map((p) => p[0])
  const ys = mesh.map((p) => p[1])
  // The turned face stays within half a face width of where it was.
  const margin = (Math.max(...xs) - Math.min(...xs)) / 2
  const [x0, x1] = [Math.min(...xs) - margin, Math.max(...xs) + margin]
  const [y0, y1] = [Math.min(...ys) - 2, Math.max(...ys) + 2]
  const diff = (a: Buffer, inside: boolean) => {
    let sum = 0
    let n = 0
    for (let y = 0; y < original.info.height; y++) {
      for (let x = 0; x < original.info.width; x++) {
        if ((x >= x0 && x <= x1 && y >= y0 && y <= y1) !== inside) continue
        const i = (y * original.info.width + x) * 3
        for (let c = 0; c < 3; c++) sum += Math.abs(a[i + c]! - original.data[i + c]!)
        n += 3
      }
    }
    return sum / n
  }
  t.ok(diff(still.data, true) < 1, `no turn: the face as it was (mean difference ${diff(still.data, true).toFixed(2)})`)
  t.ok(
    diff(turned.data, true) > 4,
    `30 degrees: the face changed (mean difference ${diff(turned.data, true).toFixed(2)})`,
  )
  t.equal(diff(turned.data, false), 0, 'away from the face, the photo is untouched')
})
