import type { FaceModelId } from '../../models/face-types.ts'
import type { Store } from '../store/store.ts'
import { TemplateChangeFeed } from './template-change-feed.ts'
import { TemplateIndex } from './template-index.ts'
import { openOrFail } from './template-opening.ts'

/**
 * The 1:N duplicate-face index of one instance: every active template of the calibrated model, unsealed once at
 * start, then kept current by enrolment (add) and revocation (remove). Templates of other models are not
 * comparable and are left out. The feed brings in what other instances enrol and revoke after the load.
 */
export async function loadDuplicateIndex(
  store: Store,
  model: FaceModelId,
  dimensions: number,
  templateKey: Buffer,
): Promise<{ index: TemplateIndex; feed: TemplateChangeFeed }> {
  // The head is read first: a change that lands during the listing is then applied again by the feed, never missed.
  const head = await store.templateChangesHead()
  const rows = await store.listActiveTemplates()
  const index = new TemplateIndex({ ...model, dimensions, initialCapacity: rows.length + 1024 })
  for (const row of rows) {
    if (!index.accepts(row)) continue
    index.add(row.residentId, openOrFail(row, templateKey))
  }
  // The first scan after a build is several times slower (cold memory); pay it now, not at the first enrolment.
  index.search(new Float32Array(dimensions).fill(1 / Math.sqrt(dimensions)), { threshold: 2 })
  return { index, feed: new TemplateChangeFeed(store, index, templateKey, head) }
}
