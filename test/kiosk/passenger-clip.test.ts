import { execFile } from 'node:child_process'
import { readFile, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'
import t from 'tap'
import {
  clipLayout,
  passengerClipFrames,
  writeVideo,
  writeY4m,
  type PassengerClipSpec,
} from '../../kiosk-sim/sources/passenger-clip.ts'
import { ffmpegCommand } from '../../kiosk-sim/sources/ffmpeg-encode.ts'
import { i420Size, rgbToI420 } from '../../kiosk-sim/sources/y4m.ts'

const TEXT = 'eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJyN0hxMnhMbTlQIn0.c2lnbmF0dXJl'
const face = await readFile('fixtures/probe/r01.jpg')
const second = await readFile('fixtures/probe/r02.jpg')
// Small and short: the rules do not depend on the size, and the test stays fast.
const small = (overrides: Partial<PassengerClipSpec> = {}): PassengerClipSpec => ({
  qrText: TEXT,
  facePhoto: face,
  seed: 3,
  width: 192,
  height: 144,
  fps: 4,
  idleSeconds: 0.5,
  qrSeconds: 1,
  faceSeconds: 1.5,
  ...overrides,
})

async function collect(spec: PassengerClipSpec): Promise<Buffer[]> {
  const frames: Buffer[] = []
  for await (const frame of passengerClipFrames(spec)) frames.push(frame)
  return frames
}

t.test('frame count is fps x seconds per step, each frame RGB24 of the asked size', async (t) => {
  const frames = await collect(small())
  t.equal(frames.length, 2 + 4 + 6)
  for (const f of frames) t.equal(f.length, 192 * 144 * 3)
  t.match(clipLayout(small({ fps: 10, idleSeconds: 0.5, qrSeconds: 1.5, faceSeconds: 2.5 })), {
    idleFrames: 5,
    qrFrames: 15,
    faceFrames: 25,
  })
  t.match(clipLayout({ qrText: TEXT, facePhoto: face, seed: 1 }), {
    width: 640,
    height: 480,
    fps: 10,
    idleFrames: 5,
    qrFrames: 15,
    faceFrames: 25,
    secondFaceFrom: null,
  })
})

t.test('the same spec and seed give the same frames; another seed does not', async (t) => {
  const a = await collect(small())
  const b = await collect(small())
  t.ok(
    a.every((f, i) => f.equals(b[i]!)),
    'same seed, same bytes',
  )
  const c = await collect(small({ seed: 4 }))
  t.notOk(
    a.every((f, i) => f.equals(c[i]!)),
    'another seed, other bytes',
  )
})

t.test('a second face changes the frames from the second face frame on, and nothing before', async (t) => {
  const one = await collect(small({ faceSeconds: 2.5 }))
  const two = await collect(small({ faceSeconds: 2.5, secondFacePhoto: second }))
  t.equal(clipLayout(small({ faceSeconds: 2.5, secondFacePhoto: second })).secondFaceFrom, 1)
  const faceStart = 2 + 4
  for (let i = 0; i < one.length; i++) {
    if (i < faceStart + 1) t.ok(one[i]!.equals(two[i]!), `frame ${i} unchanged`)
    else t.notOk(one[i]!.equals(two[i]!), `frame ${i} shows the second person`)
  }
})

t.test('a holder beside the phone changes the phone frames only', async (t) => {
  const plain = await collect(small())
  const held = await collect(small({ holderPhoto: second }))
  t.equal(held.length, plain.length)
  plain.forEach((frame, i) => {
    const isPhone = i >= 2 && i < 6
    t.equal(frame.equals(held[i]!), !isPhone, `frame ${i} ${isPhone ? 'shows the holder' : 'unchanged'}`)
  })
})

t.test('sizes that I420 cannot hold and bad rates are refused with a stable code', async (t) => {
  t.throws(() => clipLayout(small({ width: 191 })), { code: 'SOURCE_OPTIONS_INVALID' })
  t.throws(() => clipLayout(small({ fps: 0 })), { code: 'SOURCE_OPTIONS_INVALID' })
  t.throws(() => clipLayout(small({ faceSeconds: -1 })), { code: 'SOURCE_OPTIONS_INVALID' })
  t.doesNotThrow(() => clipLayout(small({ width: 190 })))
})

t.test('rgbToI420: BT.601 limited range, 2x2 chroma', async (t) => {
  const white = rgbToI420(Buffer.alloc(4 * 4 * 3, 255), 4, 4)
  const black = rgbToI420(Buffer.alloc(4 * 4 * 3, 0), 4, 4)
  t.equal(white.length, i420Size(4, 4))
  t.same([white[0], white[16], white[20]], [235, 128, 128])
  t.same([black[0], black[16], black[20]], [16, 128, 128])
  const red = rgbToI420(Buffer.from(Array.from({ length: 4 }, () => [255, 0, 0]).flat()), 2, 2)
  t.same([...red], [81, 81, 81, 81, 90, 240]) // BT.601 studio-swing red
  t.throws(() => rgbToI420(Buffer.alloc(3 * 3 * 3), 3, 3), RangeError)
})

t.test('writeY4m: header, frame markers and size', async (t) => {
  const file = path.join(tmpdir(), `clip-${process.pid}.y4m`)
  t.teardown(() => import('node:fs/promises').then((fs) => fs.rm(file, { force: true })))
  await writeY4m(small(), file)
  const bytes = await readFile(file)
  const header = 'YUV4MPEG2 W192 H144 F4:1 Ip A1:1 C420jpeg\n'
  t.equal(bytes.subarray(0, header.length).toString('ascii'), header)
  const frameBytes = 6 + i420Size(192, 144)
  t.equal(bytes.length, header.length + 12 * frameBytes)
  for (let i = 0; i < 12; i++)
    t.equal(
      bytes.subarray(header.length + i * frameBytes, header.length + i * frameBytes + 6).toString('ascii'),
      'FRAME\n',
    )
  // The first frame's luma is the first RGB frame's, converted.
  const [first] = await collect(small())
  t.ok(bytes.subarray(header.length + 6, header.length + frameBytes).equals(rgbToI420(first!, 192, 144)))
})

t.test('writeVideo: ffmpeg writes every frame; unknown formats and a missing ffmpeg have codes', async (t) => {
  const file = path.join(tmpdir(), `clip-${process.pid}.mp4`)
  t.teardown(() => import('node:fs/promises').then((fs) => fs.rm(file, { force: true })))
  await writeVideo(small(), file)
  t.ok((await stat(file)).size > 0)
  // Decoded back by the same ffmpeg (the packaged build has no ffprobe): its size and the frames it decodes.
  const { stderr } = await promisify(execFile)(ffmpegCommand(), [
    '-hide_banner',
    '-nostdin',
    '-i',
    file,
    '-f',
    'null',
    '-',
  ])
  t.match(stderr, /Stream #0:0.*: Video: h264 .*, 192x144[ ,]/)
  t.equal(/frame=\s*(\d+)(?![\s\S]*frame=)/.exec(stderr)?.[1], '12')
  await t.rejects(writeVideo(small(), path.join(tmpdir(), 'x.webm')), { code: 'CLIP_FORMAT_UNSUPPORTED' })
  await t.rejects(writeVideo(small(), file, { ffmpegPath: '/nonexistent/ffmpeg' }), { code: 'FFMPEG_NOT_FOUND' })
})
