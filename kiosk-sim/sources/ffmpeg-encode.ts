// Raw RGB24 frames to a video file through an ffmpeg child process (thin adapter; the frames are made elsewhere).
import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import path from 'node:path'
import { defaultFfmpeg } from '../../lib/ffmpeg-binary.ts'
import { FrameSourceError } from './frame-source-errors.ts'

export interface RawVideoFormat {
  width: number
  height: number
  fps: number
}

export interface EncodeOptions {
  /** The ffmpeg executable; default an ffmpeg on PATH, else the packaged one (lib/ffmpeg-binary.ts). */
  ffmpegPath?: string
}

/**
 * Codecs by container. The QR modules are a few pixels wide, so H.264 runs at a high quality (crf 14) to keep
 * them readable; MJPEG likewise (q 2).
 */
const CODEC_ARGS: Record<string, string[]> = {
  '.mp4': ['-c:v', 'libx264', '-preset', 'veryfast', '-crf', '14', '-pix_fmt', 'yuv420p'],
  '.mkv': ['-c:v', 'libx264', '-preset', 'veryfast', '-crf', '14', '-pix_fmt', 'yuv420p'],
  '.mov': ['-c:v', 'libx264', '-preset', 'veryfast', '-crf', '14', '-pix_fmt', 'yuv420p'],
  '.avi': ['-c:v', 'mjpeg', '-q:v', '2', '-pix_fmt', 'yuvj420p'],
}

export const ENCODABLE_EXTENSIONS = Object.keys(CODEC_ARGS)

/** Pipes the frames to ffmpeg (waiting for the pipe to drain: backpressure) and resolves when the file is complete. */
export async function encodeRawVideo(
  frames: AsyncIterable<Buffer>,
  format: RawVideoFormat,
  filePath: string,
  options: EncodeOptions = {},
): Promise<void> {
  const codec = CODEC_ARGS[path.extname(filePath).toLowerCase()]
  if (!codec)
    throw new FrameSourceError(
      'CLIP_FORMAT_UNSUPPORTED',
      `cannot encode ${filePath}: use one of ${ENCODABLE_EXTENSIONS.join(', ')} or .y4m`,
    )
  const args = [
    '-hide_banner',
    '-loglevel',
    'error',
    '-nostdin',
    '-y',
    '-f',
    'rawvideo',
    '-pix_fmt',
    'rgb24',
    '-s',
    `${format.width}x${format.height}`,
    '-r',
    String(format.fps),
    '-i',
    'pipe:0',
    ...codec,
    filePath,
  ]
  const ffmpeg = ffmpegCommand(options.ffmpegPath)
  const child = spawn(ffmpeg, args, { stdio: ['pipe', 'ignore', 'pipe'] })
  await spawned(child, ffmpeg)
  let stderr = ''
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-4000)
  })
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)))
  // A write after ffmpeg died fails with EPIPE; the exit code below says why, so the write error is not the story.
  child.stdin!.on('error', () => undefined)
  try {
    for await (const frame of frames) {
      if (child.exitCode !== null || child.stdin!.destroyed) break
      if (!child.stdin!.write(frame)) await Promise.race([once(child.stdin!, 'drain'), exited])
    }
  } finally {
    child.stdin!.end()
  }
  const code = await exited
  if (code !== 0)
    throw new FrameSourceError('FFMPEG_FAILED', `ffmpeg exited with code ${code} writing ${filePath}: ${stderr.trim()}`)
}

/** The given executable, else the default one; FFMPEG_NOT_FOUND says in one line what is missing. */
export function ffmpegCommand(ffmpegPath?: string): string {
  if (ffmpegPath) return ffmpegPath
  const lookup = defaultFfmpeg()
  if (!lookup.found) throw new FrameSourceError('FFMPEG_NOT_FOUND', lookup.missing)
  return lookup.path
}

/** Resolves once the process runs; a missing executable becomes FFMPEG_NOT_FOUND (spawn's ENOENT). */
export async function spawned(child: ChildProcess, ffmpegPath = 'ffmpeg'): Promise<void> {
  try {
    await once(child, 'spawn')
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ENOENT')
      throw new FrameSourceError('FFMPEG_NOT_FOUND', `ffmpeg not found (${ffmpegPath}): install it or put it on PATH`, {
        cause: error,
      })
    throw new FrameSourceError('FFMPEG_FAILED', `ffmpeg could not start: ${(error as Error).message}`, { cause: error })
  }
}
