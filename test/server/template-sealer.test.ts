import t from 'tap'
import {
  openTemplate,
  sealTemplate,
  TemplateIntegrityError,
  templateKeyFrom,
} from '../../server/templates/template-sealer.ts'

const key = Buffer.alloc(32, 1)
const a = { subject: 'subject-aaaa', modelName: 'human-faceres', modelVersion: '3.3.6' }
const embedding = Float32Array.from({ length: 1024 }, (_, i) => Math.sin(i))

t.test('a sealed template opens with its own binding and key, bit-exact', async (t) => {
  const sealed = sealTemplate(embedding, a, key)
  t.equal(Buffer.from(sealed).includes(Buffer.from(embedding.buffer).subarray(0, 32)), false)
  t.strictSame(Buffer.from(openTemplate(sealed, a, key).buffer), Buffer.from(embedding.buffer))
  t.not(
    Buffer.from(sealTemplate(embedding, a, key)).toString('hex'),
    Buffer.from(sealed).toString('hex'),
    'a fresh IV each time',
  )
})

t.test('swapped rows, relabelled models, tampering and wrong keys fail closed', async (t) => {
  const sealed = sealTemplate(embedding, a, key)
  t.throws(
    () => openTemplate(sealed, { ...a, subject: 'subject-bbbb' }, key),
    TemplateIntegrityError,
    'row copied to another subject',
  )
  t.throws(() => openTemplate(sealed, { ...a, modelVersion: '9.9.9' }, key), TemplateIntegrityError, 'relabelled model')
  t.throws(() => openTemplate(sealed, a, Buffer.alloc(32, 2)), TemplateIntegrityError, 'wrong key')
  const flipped = Uint8Array.from(sealed)
  flipped[100] = flipped[100]! ^ 1
  t.throws(() => openTemplate(flipped, a, key), TemplateIntegrityError, 'one flipped bit')
  t.throws(() => openTemplate(sealed.subarray(0, 20), a, key), TemplateIntegrityError, 'truncated')
  t.throws(() => templateKeyFrom(Buffer.alloc(16).toString('base64')), /32 bytes/)
  t.equal(templateKeyFrom(key.toString('base64')).length, 32)
})
