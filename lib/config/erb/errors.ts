// Two ways an ERB tag can fail here. Unsupported: the tag is Ruby that slipway's evaluator does
// not cover (Ruby itself may render it, see ruby.ts). RubyError: Ruby would fail on it too (a
// method called on nil, ENV.fetch of an unset variable, a command that failed).

/** Ruby outside the subset slipway evaluates; `offset` is where in the file it starts. */
export class Unsupported extends Error {
  readonly offset: number
  constructor(what: string, offset: number) {
    super(what)
    this.offset = offset
  }
}

/** A failure Ruby's ERB would have too; `offset` is where in the file the expression starts. */
export class RubyError extends Error {
  readonly offset: number
  constructor(message: string, offset: number) {
    super(message)
    this.offset = offset
  }
}
