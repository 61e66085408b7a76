import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto'

// AES-256-GCM. The associated data binds a sealed template to its subject, model and photo count, so that a row
// copied onto another resident, relabelled as another model, or given another photo count (which picks the gate's
// threshold) fails to open: swapped or relabelled rows fail closed.
const VERSION = 1
const IV_BYTES = 12
const TAG_BYTES = 16

export interface TemplateBinding {
  subject: string
  modelName: string
  modelVersion: string
  /** Absent or 1: a single-photo template, bound as templates were before photo counts existed. */
  photos?: number
}

export class TemplateIntegrityError extends Error {
  constructor() {
    super('template failed its integrity check')
    this.name = 'TemplateIntegrityError'
  }
}

export function templateKeyFrom(base64: string): Buffer {
  const key = Buffer.from(base64, 'base64')
  if (key.length !== 32) throw new Error('the template key must be 32 bytes, base64-encoded')
  return key
}

export function sealTemplate(embedding: Float32Array, binding: TemplateBinding, key: Buffer): Uint8Array {
  const iv = randomBytes(IV_BYTES)
  const cipher = createCipheriv('aes-256-gcm', key, iv)
  cipher.setAAD(associatedData(binding))
  const plain = Buffer.from(embedding.buffer, embedding.byteOffset, embedding.byteLength)
  const body = Buffer.concat([cipher.update(plain), cipher.final()])
  return Buffer.concat([Buffer.of(VERSION), iv, cipher.getAuthTag(), body])
}

/** Throws TemplateIntegrityError for a wrong key, a tampered row, or a row bound to another subject or model. */
export function openTemplate(sealed: Uint8Array, binding: TemplateBinding, key: Buffer): Float32Array {
  const bytes = Buffer.from(sealed)
  if (bytes.length < 1 + IV_BYTES + TAG_BYTES || bytes[0] !== VERSION) throw new TemplateIntegrityError()
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, bytes.subarray(1, 1 + IV_BYTES))
    decipher.setAAD(associatedData(binding))
    decipher.setAuthTag(bytes.subarray(1 + IV_BYTES, 1 + IV_BYTES + TAG_BYTES))
    const plain = Buffer.concat([decipher.update(bytes.subarray(1 + IV_BYTES + TAG_BYTES)), decipher.final()])
    if (plain.length % 4 !== 0) throw new TemplateIntegrityError()
    const copy = new Uint8Array(plain)
    return new Float32Array(copy.buffer, 0, copy.byteLength / 4)
  } catch {
    throw new TemplateIntegrityError()
  }
}

function associatedData(b: TemplateBinding): Buffer {
  const fields: Array<string | number> = ['echannel-template', VERSION, b.subject, b.modelName, b.modelVersion]
  if ((b.photos ?? 1) !== 1) fields.push(b.photos!)
  return Buffer.from(JSON.stringify(fields))
}
