// For the record: @vladmandic/human's face stage in the browser (tfjs WASM, served by the server, no CDN),
// timed per camera frame. A face clip must show one face; an empty scene none (so that the figure is real work).
import { readFile, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import t from 'tap'
import { writeY4m } from '../kiosk-sim/sources/passenger-clip.ts'
import { buildTestApp } from '../test/helpers/test-app.ts'
import { launchChromium } from './helpers/browser.ts'

interface Bench {
  backend: string | null
  simd: boolean | null
  loadMs: number
  warmupMs: number
  frames: number[]
  faces: number[]
  p50: number
  p95: number
  error: string | null
}

t.test('Human detection per frame in Chromium (WASM)', async (t) => {
  const { app } = await buildTestApp(t)
  const base = await app.listen({ host: '127.0.0.1', port: 0 })
  const dir = await mkdtemp(path.join(tmpdir(), 'human-bench-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  const facePhoto = await readFile('fixtures/probe/r01.jpg')
  const faceClip = path.join(dir, 'face.y4m')
  const emptyClip = path.join(dir, 'empty.y4m')
  await writeY4m({ qrText: 'x', facePhoto, seed: 1, idleSeconds: 0, qrSeconds: 0, faceSeconds: 3 }, faceClip)
  await writeY4m({ qrText: 'x', facePhoto, seed: 2, idleSeconds: 3, qrSeconds: 0, faceSeconds: 0 }, emptyClip)

  const measure = async (clip: string, frames: number): Promise<Bench> => {
    const browser = await launchChromium({ cameraClip: clip })
    try {
      const page = await browser.newPage()
      const offOrigin: string[] = []
      page.on('request', (r) => {
        if (!r.url().startsWith(base)) offOrigin.push(r.url())
      })
      await page.goto(`${base}/kiosk/human-bench?frames=${frames}`)
      await page.waitForFunction(
        () => (window as unknown as { __humanBench?: { done?: boolean } }).__humanBench?.done === true,
        undefined,
        { timeout: 120_000 },
      )
      t.same(offOrigin, [], 'models and wasm come from this server')
      return await page.evaluate(() => (window as unknown as { __humanBench: Bench }).__humanBench)
    } finally {
      await browser.close()
    }
  }

  const face = await measure(faceClip, 20)
  t.equal(face.error, null, 'Human ran')
  t.equal(face.backend, 'wasm')
  t.ok(face.faces.filter((n) => n === 1).length >= 18, `one face in (nearly) every face frame: ${face.faces.join(',')}`)
  const empty = await measure(emptyClip, 5)
  t.equal(empty.error, null)
  t.ok(
    empty.faces.every((n) => n === 0),
    `no face in the empty scene: ${empty.faces.join(',')}`,
  )
  t.comment(
    `Human in Chromium, tfjs WASM (simd ${face.simd}), detector+mesh+antispoof+liveness, 640x480 camera frames: ` +
      `p50 ${face.p50.toFixed(1)} ms, p95 ${face.p95.toFixed(1)} ms over ${face.frames.length} frames; ` +
      `model load ${face.loadMs.toFixed(0)} ms, first frame ${face.warmupMs.toFixed(0)} ms`,
  )
})
