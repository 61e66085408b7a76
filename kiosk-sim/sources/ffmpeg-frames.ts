// Camera or video file to raw frames through an ffmpeg child process: a thin adapter. ffmpeg scales to a fixed
// size and rate and writes rawvideo to stdout; frames are cut from the pipe. Reading is pulled by the consumer,
// so a slow consumer pauses the pipe and ffmpeg with it (backpressure).
import { spawn, type ChildProcess } from 'node:child_process'
import { access, constants } from 'node:fs/promises'
import { ffmpegCommand, spawned } from './ffmpeg-encode.ts'
import { FrameSourceError } from './frame-source-errors.ts'

export type FfmpegInput = { kind: 'camera'; device: string } | { kind: 'file'; path: string }
export type FramePixelFormat = 'rgb24' | 'gray'

export interface FfmpegFrameOptions {
  input: FfmpegInput
  width: number
  height: number
  fps: number
  pixelFormat?: FramePixelFormat
  /** Play a file at its own rate (ffmpeg -re) instead of as fast as it is read. */
  realtime?: boolean
  /** The ffmpeg executable; default an ffmpeg on PATH, else the packaged one (lib/ffmpeg-binary.ts). */
  ffmpegPath?: string
}

export interface RawFrame {
  data: Buffer
  width: number
  height: number
  channels: 1 | 3
  /** 0, 1, 2... in the order ffmpeg wrote them. */
  index: number
  /** index / fps: the frame's time in the stream. */
  streamMs: number
}

export interface FrameStream extends AsyncIterable<RawFrame> {
  /** Stops ffmpeg; the iteration then ends. Safe to call more than once. */
  stop(): Promise<void>
}

/** The ffmpeg arguments: input, then one filter chain that fixes rate, size (letterboxed) and pixel format. */
export function ffmpegArgs(options: FfmpegFrameOptions): string[] {
  const { width, height, fps } = options
  const input =
    options.input.kind === 'camera'
      ? ['-f', 'v4l2', '-framerate', String(fps), '-i', options.input.device]
      : [...(options.realtime ? ['-re'] : []), '-i', options.input.path]
  const filter =
    `fps=${fps},scale=${width}:${height}:force_original_aspect_ratio=decrease,` +
    `pad=${width}:${height}:(ow-iw)/2:(oh-ih)/2`
  return [
    '-hide_banner',
    '-loglevel',
    'error',
    '-nostdin',
    ...input,
    '-an',
    '-vf',
    filter,
    '-f',
    'rawvideo',
    '-pix_fmt',
    options.pixelFormat ?? 'rgb24',
    'pipe:1',
  ]
}

/**
 * Frames from a camera (`/dev/video0`, Video4Linux) or a video file. Errors carry a stable code:
 * FFMPEG_NOT_FOUND, SOURCE_UNAVAILABLE (ffmpeg stopped before the first frame: no such device or file, not a
 * video), FFMPEG_FAILED (it stopped with an error later). Breaking out of the loop or stop() kills ffmpeg.
 */
export function ffmpegFrames(options: FfmpegFrameOptions): FrameStream {
  validate(options)
  const channels = options.pixelFormat === 'gray' ? 1 : 3
  const frameBytes = options.width * options.height * channels
  const source = options.input.kind === 'camera' ? options.input.device : options.input.path
  let child: ChildProcess | null = null
  let stopped = false

  const kill = async () => {
    stopped = true
    if (!child || child.exitCode !== null || child.signalCode !== null) return
    // 'exit', not 'close': 'close' also waits for stdout to drain, and nobody reads it any more.
    const exited = new Promise((resolve) => child!.once('exit', resolve))
    child.kill('SIGTERM')
    const hard = setTimeout(() => child?.kill('SIGKILL'), 2000)
    await exited
    clearTimeout(hard)
  }

  async function* frames(): AsyncGenerator<RawFrame> {
    if (child) throw new Error('a frame stream can be read once')
    if (stopped) return
    const ffmpeg = ffmpegCommand(options.ffmpegPath)
    const proc = spawn(ffmpeg, ffmpegArgs(options), { stdio: ['ignore', 'pipe', 'pipe'] })
    child = proc
    await spawned(proc, ffmpeg)
    let stderr = ''
    proc.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
      stderr = (stderr + chunk).slice(-4000)
    })
    const closed = new Promise<number | null>((resolve) => proc.once('close', (code) => resolve(code)))
    let index = 0
    let pending: Buffer[] = []
    let pendingBytes = 0
    try {
      for await (const chunk of proc.stdout! as AsyncIterable<Buffer>) {
        pending.push(chunk)
        pendingBytes += chunk.length
        while (pendingBytes >= frameBytes) {
          const joined = pending.length === 1 ? pending[0]! : Buffer.concat(pending, pendingBytes)
          const data = Buffer.from(joined.subarray(0, frameBytes)) // a copy: the consumer may keep it
          const rest = joined.subarray(frameBytes)
          pending = rest.length > 0 ? [rest] : []
          pendingBytes = rest.length
          yield {
            data,
            width: options.width,
            height: options.height,
            channels,
            index,
            streamMs: (index * 1000) / options.fps,
          }
          index++
          if (stopped) return
        }
      }
      const code = await closed
      if (code !== 0 && !stopped) {
        const why = stderr.trim().split('\n').slice(-3).join(' | ') || `exit code ${code}`
        if (index === 0) throw new FrameSourceError('SOURCE_UNAVAILABLE', `cannot open ${source}: ${why}`)
        throw new FrameSourceError('FFMPEG_FAILED', `ffmpeg stopped reading ${source} after ${index} frames: ${why}`)
      }
    } finally {
      await kill()
    }
  }

  return { [Symbol.asyncIterator]: frames, stop: kill }
}

/**
 * Checks, before anything slow starts, that ffmpeg runs and that the camera device or file is there and readable.
 * Rejects with FFMPEG_NOT_FOUND or SOURCE_UNAVAILABLE. (ffmpeg may still fail to open a source that exists.)
 */
export async function checkFrameSource(options: Pick<FfmpegFrameOptions, 'input' | 'ffmpegPath'>): Promise<void> {
  const ffmpeg = ffmpegCommand(options.ffmpegPath)
  const probe = spawn(ffmpeg, ['-hide_banner', '-version'], { stdio: 'ignore' })
  await spawned(probe, ffmpeg)
  await new Promise((resolve) => probe.once('exit', resolve))
  const source = options.input.kind === 'camera' ? options.input.device : options.input.path
  try {
    await access(source, constants.R_OK)
  } catch (error) {
    throw new FrameSourceError(
      'SOURCE_UNAVAILABLE',
      `cannot open ${source}: ${(error as NodeJS.ErrnoException).code ?? 'not readable'}`,
      { cause: error },
    )
  }
}

function validate({ width, height, fps }: FfmpegFrameOptions): void {
  if (
    !Number.isInteger(width) ||
    !Number.isInteger(height) ||
    width < 16 ||
    height < 16 ||
    width > 4096 ||
    height > 4096
  ) {
    throw new FrameSourceError(
      'SOURCE_OPTIONS_INVALID',
      `frame size ${width}x${height} must be whole pixels, 16 to 4096 a side`,
    )
  }
  if (!(fps > 0 && fps <= 120)) throw new FrameSourceError('SOURCE_OPTIONS_INVALID', `fps ${fps} must be in (0, 120]`)
}
