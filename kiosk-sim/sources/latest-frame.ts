/**
 * Keeps only the newest item of a source that runs at its own pace (a camera): a consumer slower than the
 * camera gets current frames instead of a growing backlog. Items replaced before they were read are counted.
 */
export async function* latestOnly<T>(
  source: AsyncIterable<T>,
  onDropped: () => void = () => undefined,
): AsyncGenerator<T> {
  const iterator = source[Symbol.asyncIterator]()
  let latest: { value: T } | null = null
  let finished = false
  let failure: { error: unknown } | null = null
  const waiter: { wake: (() => void) | null } = { wake: null }
  const pump = (async () => {
    try {
      for (;;) {
        const next = await iterator.next()
        if (next.done) break
        if (latest) onDropped()
        latest = { value: next.value }
        waiter.wake?.()
      }
    } catch (error) {
      failure = { error }
    } finally {
      finished = true
      waiter.wake?.()
    }
  })()
  try {
    for (;;) {
      if (latest) {
        const { value } = latest
        latest = null
        yield value
        continue
      }
      if (failure) throw (failure as { error: unknown }).error
      if (finished) return
      await new Promise<void>((resolve) => {
        waiter.wake = resolve
      })
      waiter.wake = null
    }
  } finally {
    // The source's owner stops it (FrameStream.stop), which ends the pump; asking the iterator to return here
    // would wait behind its pending read.
    void pump
  }
}
