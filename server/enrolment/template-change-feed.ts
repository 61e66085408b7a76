import type { Store } from '../store/store.ts'
import type { TemplateIndex } from './template-index.ts'
import { openOrFail } from './template-opening.ts'

const PAGE = 500

/**
 * Keeps one instance's duplicate index equal to the store's active templates. Other instances enrol and revoke
 * too: before each duplicate search (under the enrolment lock) the feed applies every change since the last
 * one it saw. Applying a change twice is harmless: add replaces, remove of an absent id is a no-op.
 */
export class TemplateChangeFeed {
  constructor(
    private readonly store: Pick<Store, 'listTemplateChanges'>,
    private readonly index: TemplateIndex,
    private readonly templateKey: Buffer,
    /** The change seq the index already reflects. */
    private cursor: number,
  ) {}

  /** Applies all changes after the cursor; returns how many it applied. */
  async catchUp(): Promise<number> {
    let applied = 0
    for (;;) {
      const changes = await this.store.listTemplateChanges(this.cursor, PAGE)
      for (const change of changes) {
        const template = change.template
        if (change.change === 'removed' || !template) this.index.remove(change.residentId)
        else if (this.index.accepts(template)) this.index.add(change.residentId, openOrFail(template, this.templateKey))
        this.cursor = change.seq
        applied++
      }
      if (changes.length < PAGE) return applied
    }
  }
}
