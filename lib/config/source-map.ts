// ERB output is what YAML parses, but messages must name the line the user wrote. Each piece
// of output remembers where it came from: copied text maps character by character, a value an
// ERB tag produced maps to the tag.

/** Line and column (1-based) in the file as written, for an offset in the text that was parsed. */
export interface SourceMap {
  position(offset: number): { line: number; col: number }
}

interface Segment {
  readonly outStart: number
  readonly outEnd: number
  readonly srcStart: number
  readonly copied: boolean
}

/** Collects output pieces in order, then maps output offsets to positions in `source`. */
export class SourceMapBuilder {
  #out = ''
  readonly #segments: Segment[] = []

  /** Text copied from the source at `srcStart`. */
  copy(srcStart: number, text: string): void {
    this.#push(srcStart, text, true)
  }

  /** Text produced by the tag at `srcAt`. */
  insert(srcAt: number, text: string): void {
    this.#push(srcAt, text, false)
  }

  get text(): string {
    return this.#out
  }

  #push(srcStart: number, text: string, copied: boolean): void {
    // A tag that produced nothing still owns its place: a value missing there is reported at the tag.
    if (text === '' && copied) return
    this.#segments.push({ outStart: this.#out.length, outEnd: this.#out.length + text.length, srcStart, copied })
    this.#out += text
  }

  build(source: string): SourceMap {
    const segments = [...this.#segments]
    const toSource = lineIndex(source)
    return {
      position: (offset) => {
        // An empty tag at this offset wins over the text after it; past the end (an error at
        // end of input) belongs to the last piece.
        const segment =
          segments.find((s) => s.outStart === s.outEnd && s.outStart === offset) ??
          segments.find((s) => offset >= s.outStart && offset < s.outEnd) ??
          segments.at(-1)
        if (!segment) return toSource(0)
        return toSource(segment.copied ? segment.srcStart + (offset - segment.outStart) : segment.srcStart)
      },
    }
  }
}

/** Positions in a text that was parsed as written (no ERB, or rendered by Ruby). */
export function identityMap(text: string): SourceMap {
  const toSource = lineIndex(text)
  return { position: toSource }
}

function lineIndex(text: string): (offset: number) => { line: number; col: number } {
  const starts = [0]
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) starts.push(i + 1)
  return (offset) => {
    let lo = 0
    let hi = starts.length - 1
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1
      if (starts[mid]! <= offset) lo = mid
      else hi = mid - 1
    }
    return { line: lo + 1, col: offset - starts[lo]! + 1 }
  }
}
