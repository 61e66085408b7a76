import { AppError } from '../errors.ts'
import type { TemplateRecord } from '../store/store.ts'
import { openTemplate } from '../templates/template-sealer.ts'

/** A template that fails its integrity check is an internal error, never a silent skip: the caller fails closed. */
export function openOrFail(template: TemplateRecord, key: Buffer): Float32Array {
  try {
    return openTemplate(template.sealed, template, key)
  } catch {
    throw new AppError('TEMPLATE_UNREADABLE', 'a stored template failed its integrity check')
  }
}
