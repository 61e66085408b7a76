/** Where progress goes: a terminal says so (isTTY) and how wide it is. */
export interface ProgressStream {
  write(chunk: string): unknown
  isTTY?: boolean
  columns?: number
}

/**
 * A progress bar redrawn in place on one terminal line. On anything else (a pipe, a CI log) it draws nothing, since
 * a redrawn line there is noise: `tty` tells the caller to write its own occasional lines instead.
 */
export class ProgressBar {
  readonly #stream: ProgressStream
  readonly #width: number
  #drawn = false

  /** `width`: characters between the brackets; by default what fits beside a line of text, 10 to 40. */
  constructor(stream: ProgressStream, width = Math.max(10, Math.min(40, (stream.columns ?? 80) - 50))) {
    this.#stream = stream
    this.#width = width
  }

  get tty(): boolean {
    return Boolean(this.#stream.isTTY)
  }

  /** Redraws the bar at `fraction` (0..1), followed by `text`. */
  draw(fraction: number, text: string): void {
    if (!this.tty) return
    const filled = Math.round(Math.min(Math.max(fraction, 0), 1) * this.#width)
    this.#stream.write(`\r[${'#'.repeat(filled)}${'.'.repeat(this.#width - filled)}] ${text}`)
    this.#drawn = true
  }

  /** Ends the bar's line, if one was drawn. */
  end(): void {
    if (this.#drawn) this.#stream.write('\n')
    this.#drawn = false
  }
}
