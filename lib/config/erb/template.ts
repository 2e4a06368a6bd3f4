// Splits an ERB template into text and tags, as Ruby's ERB scanner does with the `-` trim mode:
// `<%= %>` outputs, `<% %>` runs code, `<%# %>` is a comment, `<%%` is a literal `<%`, `-%>`
// drops the newline after the tag and `<%-` the indentation before it. A tag inside a YAML
// comment (a `#` at the start of a line or after a space, outside quotes) is left as text:
// commented-out examples often hold ERB that could not run.

/** A piece of the template: text to copy, or a tag with its code. Offsets are in the source. */
export type Part =
  | { readonly kind: 'text'; readonly start: number; readonly text: string }
  | {
      readonly kind: 'output' | 'code'
      /** Offset of `<%` in the source. */
      readonly start: number
      /** The whole tag as written, for messages. */
      readonly tag: string
      readonly code: string
      /** Offset of `code` in the source. */
      readonly codeStart: number
    }

const TAG = /<%(%)?([=#-])?([\s\S]*?)(-)?%>/

/** The parts of `source`, in order; copied text and tags never overlap. */
export function scan(source: string): Part[] {
  const parts: Part[] = []
  let copied = 0
  let trimNewline = false
  const text = (start: number, end: number): void => {
    let from = start
    if (trimNewline && source[from] === '\n') from++
    else if (trimNewline && source.startsWith('\r\n', from)) from += 2
    trimNewline = false
    if (end > from) parts.push({ kind: 'text', start: from, text: source.slice(from, end) })
  }
  const tag = new RegExp(TAG.source, 'g')
  for (let m = tag.exec(source); m; m = tag.exec(source)) {
    const start = m.index
    const [whole, literal, marker, body = '', dash] = m
    if (literal) {
      // `<%%` is a literal `<%`; scanning goes on after it.
      text(copied, start + 2)
      copied = start + 3
      tag.lastIndex = start + 3
      continue
    }
    const lineStart = source.lastIndexOf('\n', start - 1) + 1
    const before = source.slice(lineStart, start)
    if (inYamlComment(before)) continue
    const trimIndent = marker === '-' && /^[ \t]*$/.test(before)
    text(copied, trimIndent ? lineStart : start)
    copied = start + whole.length
    trimNewline = dash === '-'
    if (marker === '#') continue
    const codeStart = start + 2 + (marker ? 1 : 0)
    parts.push({
      kind: marker === '=' ? 'output' : 'code',
      start,
      tag: whole,
      code: body.replaceAll('%%>', '%>'),
      codeStart,
    })
  }
  text(copied, source.length)
  return parts
}

// Whether the text before a tag on its line has started a YAML comment: a `#` at the start or
// after white space, outside '...' (where '' is a quote) and "..." (where \" is).
function inYamlComment(before: string): boolean {
  let quote: string | undefined
  for (let i = 0; i < before.length; i++) {
    const c = before[i]!
    if (quote === '"' && c === '\\') i++
    else if (quote === "'" && c === "'" && before[i + 1] === "'") i++
    else if (quote && c === quote) quote = undefined
    else if (!quote && (c === '"' || c === "'") && (i === 0 || /[\s:[{,-]/.test(before[i - 1]!))) quote = c
    else if (!quote && c === '#' && (i === 0 || /\s/.test(before[i - 1]!))) return true
  }
  return false
}
