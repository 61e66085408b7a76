// The ffmpeg frame source against the real ffmpeg: frames cut exactly, stable error codes, ffmpeg stopped.
import { rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import t from 'tap'
import { ffmpegArgs, ffmpegFrames, type RawFrame } from '../../kiosk-sim/sources/ffmpeg-frames.ts'
import { latestOnly } from '../../kiosk-sim/sources/latest-frame.ts'
import { passengerClipFrames, writeVideo, type PassengerClipSpec } from '../../kiosk-sim/sources/passenger-clip.ts'
import { readFile } from 'node:fs/promises'

const dir = path.join(tmpdir(), `ffmpeg-frames-${process.pid}`)
const clip = path.join(dir, 'clip.avi')
const spec: PassengerClipSpec = {
  qrText: 'hello',
  facePhoto: await readFile('fixtures/probe/r01.jpg'),
  seed: 1,
  width: 160,
  height: 120,
  fps: 5,
  idleSeconds: 0.4,
  qrSeconds: 0.4,
  faceSeconds: 0.8,
}
t.before(() => writeVideo(spec, clip))
t.teardown(() => rm(dir, { recursive: true, force: true }))

async function collect(frames: AsyncIterable<RawFrame>): Promise<RawFrame[]> {
  const out: RawFrame[] = []
  for await (const f of frames) out.push(f)
  return out
}

t.test('a file gives every frame at the asked size, rate and pixel format', async (t) => {
  const frames = await collect(ffmpegFrames({ input: { kind: 'file', path: clip }, width: 160, height: 120, fps: 5 }))
  t.equal(frames.length, 8)
  t.same(
    frames.map((f) => f.index),
    [0, 1, 2, 3, 4, 5, 6, 7],
  )
  t.same(
    frames.map((f) => f.streamMs),
    [0, 200, 400, 600, 800, 1000, 1200, 1400],
  )
  for (const f of frames) t.same([f.width, f.height, f.channels, f.data.length], [160, 120, 3, 160 * 120 * 3])
  // Close to the source frames (MJPEG at q 2 is lossy, so the mean error is small but not zero).
  const source: Buffer[] = []
  for await (const f of passengerClipFrames(spec)) source.push(f)
  const last = frames[7]!.data
  let error = 0
  for (let i = 0; i < last.length; i++) error += Math.abs(last[i]! - source[7]![i]!)
  t.ok(error / last.length < 6, `mean abs error ${(error / last.length).toFixed(2)}`)

  const gray = await collect(
    ffmpegFrames({ input: { kind: 'file', path: clip }, width: 80, height: 60, fps: 5, pixelFormat: 'gray' }),
  )
  t.equal(gray.length, 8)
  t.same([gray[0]!.width, gray[0]!.height, gray[0]!.channels, gray[0]!.data.length], [80, 60, 1, 80 * 60])
})

t.test('missing ffmpeg, a missing file, a file that is not a video, a missing camera: stable codes', async (t) => {
  await t.rejects(
    collect(
      ffmpegFrames({
        input: { kind: 'file', path: clip },
        width: 160,
        height: 120,
        fps: 5,
        ffmpegPath: '/nonexistent/ffmpeg',
      }),
    ),
    { code: 'FFMPEG_NOT_FOUND' },
  )
  await t.rejects(
    collect(
      ffmpegFrames({ input: { kind: 'file', path: path.join(dir, 'nope.mp4') }, width: 160, height: 120, fps: 5 }),
    ),
    { code: 'SOURCE_UNAVAILABLE' },
  )
  const junk = path.join(dir, 'junk.mp4')
  await writeFile(junk, 'not a video at all')
  await t.rejects(collect(ffmpegFrames({ input: { kind: 'file', path: junk }, width: 160, height: 120, fps: 5 })), {
    code: 'SOURCE_UNAVAILABLE',
  })
  await t.rejects(
    collect(
      ffmpegFrames({ input: { kind: 'camera', device: '/dev/video-nonexistent' }, width: 160, height: 120, fps: 5 }),
    ),
    { code: 'SOURCE_UNAVAILABLE' },
  )
  t.throws(() => ffmpegFrames({ input: { kind: 'file', path: clip }, width: 10, height: 120, fps: 5 }), {
    code: 'SOURCE_OPTIONS_INVALID',
  })
  t.throws(() => ffmpegFrames({ input: { kind: 'file', path: clip }, width: 160, height: 120, fps: 0 }), {
    code: 'SOURCE_OPTIONS_INVALID',
  })
})

t.test('breaking out of the loop or stop() ends ffmpeg', async (t) => {
  const stream = ffmpegFrames({ input: { kind: 'file', path: clip }, width: 160, height: 120, fps: 5 })
  let n = 0
  for await (const _ of stream) if (++n === 2) break
  t.equal(n, 2)
  await stream.stop() // a second stop is harmless
  const stopped = ffmpegFrames({ input: { kind: 'file', path: clip }, width: 160, height: 120, fps: 5 })
  const seen: number[] = []
  for await (const f of stopped) {
    seen.push(f.index)
    if (f.index === 1) await stopped.stop()
  }
  t.same(seen, [0, 1], 'no frame after stop()')
})

t.test('camera arguments: v4l2 at the frame rate, one filter chain to the fixed size', async (t) => {
  const args = ffmpegArgs({ input: { kind: 'camera', device: '/dev/video0' }, width: 640, height: 480, fps: 10 })
  t.match(
    args.join(' '),
    /-f v4l2 -framerate 10 -i \/dev\/video0 .*-vf fps=10,scale=640:480:force_original_aspect_ratio=decrease,pad=640:480.* -f rawvideo -pix_fmt rgb24 pipe:1$/,
  )
  t.match(
    ffmpegArgs({
      input: { kind: 'file', path: 'a.mp4' },
      width: 64,
      height: 64,
      fps: 5,
      realtime: true,
      pixelFormat: 'gray',
    }).join(' '),
    /-re -i a\.mp4 .* -pix_fmt gray pipe:1$/,
  )
})

t.test('latestOnly: a slow consumer gets the newest item and the skipped ones are counted', async (t) => {
  async function* fast() {
    for (let i = 0; i < 5; i++) {
      yield i
      await new Promise((r) => setTimeout(r, 5))
    }
  }
  let dropped = 0
  const got: number[] = []
  for await (const v of latestOnly(fast(), () => dropped++)) {
    got.push(v)
    await new Promise((r) => setTimeout(r, 30))
  }
  t.ok(got.length < 5, `read ${got}`)
  t.equal(got.at(-1), 4, 'the last item is never lost')
  t.equal(got.length + dropped, 5)
  const all: number[] = []
  for await (const v of latestOnly(fast())) all.push(v)
  t.same(all, [0, 1, 2, 3, 4], 'twin: a fast consumer sees every item')
  async function* failing() {
    yield 1
    throw new Error('boom')
  }
  await t.rejects(async () => {
    for await (const _ of latestOnly(failing())) void _
  }, /boom/)
})

t.test('checkFrameSource: ffmpeg and the source are checked up front', async (t) => {
  const { checkFrameSource } = await import('../../kiosk-sim/sources/ffmpeg-frames.ts')
  await t.resolves(checkFrameSource({ input: { kind: 'file', path: clip } }), 'an existing file')
  await t.rejects(checkFrameSource({ input: { kind: 'file', path: path.join(dir, 'none.mp4') } }), {
    code: 'SOURCE_UNAVAILABLE',
  })
  await t.rejects(checkFrameSource({ input: { kind: 'camera', device: '/dev/video-nonexistent' } }), {
    code: 'SOURCE_UNAVAILABLE',
  })
  await t.rejects(checkFrameSource({ input: { kind: 'file', path: clip }, ffmpegPath: '/nonexistent/ffmpeg' }), {
    code: 'FFMPEG_NOT_FOUND',
  })
})
