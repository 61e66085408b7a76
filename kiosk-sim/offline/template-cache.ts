import type { FaceModelId } from '../../models/face-types.ts'

export interface CachedTemplate {
  model: FaceModelId
  embedding: Float32Array
  /** Enrolment photos behind the template; it picks the threshold offline as online. */
  photos?: number
}

/**
 * Templates this kiosk fetched online, kept so that it can match the same residents offline. Bounded, least
 * recently used out first. A resident it never saw cannot be matched offline: that passenger is referred.
 */
export class TemplateCache {
  private readonly entries = new Map<string, CachedTemplate>()

  constructor(private readonly capacity = 10_000) {}

  get size(): number {
    return this.entries.size
  }

  put(subject: string, template: CachedTemplate): void {
    this.entries.delete(subject)
    this.entries.set(subject, template)
    if (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value!)
  }

  get(subject: string): CachedTemplate | null {
    const template = this.entries.get(subject)
    if (!template) return null
    // Map order is insertion order: re-inserting marks it recently used.
    this.entries.delete(subject)
    this.entries.set(subject, template)
    return template
  }

  /** The server said revoked or unknown: the template must not serve offline. */
  forget(subject: string): void {
    this.entries.delete(subject)
  }
}
