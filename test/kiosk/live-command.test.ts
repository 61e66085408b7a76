// The live command's early errors: stable codes and exit status before any model loads.
import { execFile } from 'node:child_process'
import t from 'tap'

function cli(args: string[]): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', 'kiosk-sim/cli.ts', 'run', ...args],
      { timeout: 60_000 },
      (error, _stdout, stderr) => {
        resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stderr })
      },
    )
  })
}

const server = ['--server', 'http://127.0.0.1:9', '--kiosk-key', 'k']

t.test('a video file that is not there: SOURCE_UNAVAILABLE, exit 3', async (t) => {
  const run = await cli(['--video', '/nonexistent/clip.mp4', ...server])
  t.equal(run.code, 3)
  t.match(run.stderr, /SOURCE_UNAVAILABLE: cannot open \/nonexistent\/clip\.mp4/)
})

t.test('a camera that is not there: SOURCE_UNAVAILABLE, exit 3', async (t) => {
  const run = await cli(['--camera', '/dev/video-nonexistent', ...server])
  t.equal(run.code, 3)
  t.match(run.stderr, /SOURCE_UNAVAILABLE/)
})

t.test('no ffmpeg: FFMPEG_NOT_FOUND, exit 3', async (t) => {
  const run = await cli(['--video', 'fixtures/probe/r01.jpg', '--ffmpeg', '/nonexistent/ffmpeg', ...server])
  t.equal(run.code, 3)
  t.match(run.stderr, /FFMPEG_NOT_FOUND/)
})

t.test('a camera and a video at once, or no server: usage, exit 2', async (t) => {
  t.equal((await cli(['--camera', '/dev/video0', '--video', 'a.mp4', ...server])).code, 2)
  t.equal((await cli(['--video', 'a.mp4'])).code, 2)
})
