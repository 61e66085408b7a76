/** Runs async critical sections one at a time, in arrival order. */
export class Serial {
  private tail: Promise<unknown> = Promise.resolve()

  run<T>(section: () => Promise<T>): Promise<T> {
    const result = this.tail.then(section, section)
    this.tail = result.catch(() => {})
    return result
  }
}
