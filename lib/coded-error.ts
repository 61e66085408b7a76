/**
 * An error with a stable code, as server/errors.ts has for the server: callers and tests branch on `code` (or on
 * the subclass), never on the message. Each subclass names its own codes; `name` is the subclass's name.
 */
export class CodedError<C extends string = string> extends Error {
  readonly code: C

  constructor(code: C, message: string, options?: ErrorOptions) {
    super(message, options)
    this.name = new.target.name
    this.code = code
  }
}
