import t from 'tap'
import { faceGeometry } from '../../models/liveness-geometry.ts'

/** A schematic frontal face: cheeks 100 px apart, eyes 10 px wide and 3 px open, mouth 40 px below the eyes. */
function mesh(options: { nose?: number; eyeOpen?: number; squeeze?: number; scale?: number } = {}) {
  const { nose = 50, eyeOpen = 3, squeeze = 1, scale = 1 } = options
  const points: Array<[number, number, number]> = Array.from({ length: 468 }, () => [50, 50, 0])
  const set = (i: number, x: number, y: number) => (points[i] = [x * scale, 50 + (y - 50) * squeeze * scale, 0])
  set(234, 0, 50)
  set(454, 100, 50)
  set(1, nose, 60)
  const eye = (ids: number[], x0: number) => {
    const [outer, up1, up2, inner, low1, low2] = ids as [number, number, number, number, number, number]
    set(outer, x0, 40)
    set(inner, x0 + 10, 40)
    set(up1, x0 + 3, 40 - eyeOpen / 2)
    set(up2, x0 + 7, 40 - eyeOpen / 2)
    set(low2, x0 + 3, 40 + eyeOpen / 2)
    set(low1, x0 + 7, 40 + eyeOpen / 2)
  }
  eye([33, 160, 158, 133, 153, 144], 20)
  eye([263, 387, 385, 362, 380, 373], 70)
  set(61, 35, 80)
  set(291, 65, 80)
  return points
}

t.test('nose parallax: 0 when frontal, + when the nose is towards the image right, scale-free', async (t) => {
  t.equal(faceGeometry(mesh())!.parallax, 0)
  t.equal(faceGeometry(mesh({ nose: 70 }))!.parallax, 0.2)
  t.equal(faceGeometry(mesh({ nose: 30, scale: 3 }))!.parallax, -0.2)
})

t.test('eye aspect ratio falls as the eye closes; proportions follow a vertical squeeze only', async (t) => {
  const open = faceGeometry(mesh())!
  t.equal(open.earImageLeft, 0.3)
  t.equal(open.earImageRight, 0.3)
  const closed = faceGeometry(mesh({ eyeOpen: 1 }))!
  t.ok(closed.earImageLeft < 0.11 && closed.earImageRight < 0.11)
  t.equal(closed.proportion, open.proportion, 'a blink leaves the proportions')
  const tilted = faceGeometry(mesh({ squeeze: 0.5 }))!
  t.ok(tilted.proportion < open.proportion * 0.6, 'a squeezed image changes them')
})

t.test('no geometry without a full mesh', async (t) => {
  t.equal(faceGeometry([]), null)
  t.equal(faceGeometry(mesh().slice(0, 400)), null)
  t.not(faceGeometry(mesh()), null)
})
