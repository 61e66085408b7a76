import type { FaceModelId } from '../../models/face-types.ts'
import type { Store } from '../store/store.ts'
import { TemplateIndex } from './template-index.ts'
import { openOrFail } from './template-opening.ts'

/**
 * The 1:N duplicate-face index of one instance: every active template of the calibrated model, unsealed once at
 * start, then kept current by enrolment (add) and revocation (remove). Templates of other models are not
 * comparable and are left out.
 */
export async function loadDuplicateIndex(store: Store, model: FaceModelId, dimensions: number, templateKey: Buffer): Promise<TemplateIndex> {
  const rows = await store.listActiveTemplates()
  const index = new TemplateIndex({ ...model, dimensions, initialCapacity: rows.length + 1024 })
  for (const row of rows) {
    if (row.modelName !== model.name || row.modelVersion !== model.version || row.dimensions !== dimensions) continue
    index.add(row.residentId, openOrFail(row, templateKey))
  }
  // The first scan after a build is several times slower (cold memory); pay it now, not at the first enrolment.
  index.search(new Float32Array(dimensions).fill(1 / Math.sqrt(dimensions)), { threshold: 2 })
  return index
}
