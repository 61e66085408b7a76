import { addKeyToDirectory, loadKeyDirectory } from './key-directory.ts'
import { keyRingAt, type DatedSigningKey, type KeyRing } from './key-ring.ts'
import { generateSigningKey } from '../../tokens/jwks.ts'

/**
 * The server's signing keys. With a key directory, rotation writes a new key file there, and every instance
 * reading the same directory picks it up within `reloadMs`; without one, keys live in memory only.
 */
export class SigningKeys {
  private keys: DatedSigningKey[]
  private timer: NodeJS.Timeout | null = null

  constructor(
    initial: DatedSigningKey[],
    private readonly directory: string | null,
    private readonly overlapMs: number,
  ) {
    if (initial.length === 0) throw new Error('at least one signing key is required')
    this.keys = initial
  }

  ring(nowMs = Date.now()): KeyRing {
    return keyRingAt(this.keys, nowMs, this.overlapMs)
  }

  async rotate(nowMs = Date.now()): Promise<DatedSigningKey> {
    const added = this.directory
      ? await addKeyToDirectory(this.directory, nowMs)
      : { ...generateSigningKey(), createdAt: nowMs }
    this.keys = [...this.keys, added]
    return added
  }

  async reload(): Promise<void> {
    if (!this.directory) return
    const loaded = await loadKeyDirectory(this.directory)
    if (loaded.length > 0) this.keys = loaded
  }

  watch(reloadMs: number): void {
    if (!this.directory || this.timer) return
    this.timer = setInterval(() => void this.reload().catch(() => {}), reloadMs)
    this.timer.unref()
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer)
    this.timer = null
  }
}
