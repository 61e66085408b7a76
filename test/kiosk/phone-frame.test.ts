import sharp from 'sharp'
import t from 'tap'
import { renderPhoneFrame } from '../../kiosk-sim/sources/phone-frame.ts'

const TEXT = 'eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJyN0hxMnhMbTlQIn0.c2lnbmF0dXJl'

t.test('the same text, seed and options give the same bytes', async (t) => {
  for (const difficulty of ['clean', 'mild', 'hard'] as const) {
    const a = await renderPhoneFrame(TEXT, { seed: 7, difficulty })
    const b = await renderPhoneFrame(TEXT, { seed: 7, difficulty })
    t.ok(a.equals(b), difficulty)
  }
})

t.test('different seeds, difficulties or texts give different frames', async (t) => {
  const base = await renderPhoneFrame(TEXT, { seed: 7, difficulty: 'mild' })
  t.notOk(base.equals(await renderPhoneFrame(TEXT, { seed: 8, difficulty: 'mild' })), 'seed')
  t.notOk(base.equals(await renderPhoneFrame(TEXT, { seed: 7, difficulty: 'hard' })), 'difficulty')
  t.notOk(base.equals(await renderPhoneFrame(`${TEXT}x`, { seed: 7, difficulty: 'mild' })), 'text')
})

t.test('a JPEG of 640x480 by default, or of the size asked for', async (t) => {
  const meta = await sharp(await renderPhoneFrame(TEXT, { seed: 1, difficulty: 'clean' })).metadata()
  t.match(meta, { format: 'jpeg', width: 640, height: 480 })
  const wide = await sharp(
    await renderPhoneFrame(TEXT, { seed: 1, difficulty: 'clean', width: 1280, height: 720 }),
  ).metadata()
  t.match(wide, { format: 'jpeg', width: 1280, height: 720 })
})

t.test('a size that is not a positive integer of at least 64 is refused', async (t) => {
  await t.rejects(renderPhoneFrame(TEXT, { seed: 1, difficulty: 'clean', width: 10 }), RangeError)
  await t.rejects(renderPhoneFrame(TEXT, { seed: 1, difficulty: 'clean', height: 480.5 }), RangeError)
  await t.resolves(renderPhoneFrame(TEXT, { seed: 1, difficulty: 'clean', width: 64, height: 64 }))
})
