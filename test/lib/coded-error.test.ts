import t from 'tap'
import { CodedError } from '../../lib/coded-error.ts'
import { ServerUnavailableError } from '../../kiosk-sim/kiosk-server-client.ts'
import { FrameSourceError } from '../../kiosk-sim/sources/frame-source-errors.ts'
import { ImageError } from '../../models/image-errors.ts'

t.test('a coded error keeps its code, its subclass name and its cause', async (t) => {
  const cause = new Error('spawn ENOENT')
  const error = new FrameSourceError('FFMPEG_NOT_FOUND', 'ffmpeg not found', { cause })
  t.ok(error instanceof FrameSourceError && error instanceof CodedError && error instanceof Error)
  t.match(error, { name: 'FrameSourceError', code: 'FFMPEG_NOT_FOUND', message: 'ffmpeg not found', cause })
  t.match(new ImageError('IMAGE_CORRUPT', 'bad'), { name: 'ImageError', code: 'IMAGE_CORRUPT' })
  t.match(new ServerUnavailableError('timeout'), { name: 'ServerUnavailableError', code: 'SERVER_UNAVAILABLE' })
  t.notOk(new ServerUnavailableError('x') instanceof ImageError, 'the families stay apart')
})
