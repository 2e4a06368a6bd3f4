import { Unsupported } from './errors.ts'

// Tokens of the Ruby that deploy.yml files put in ERB tags: literals, ENV, method calls,
// operators, and the keywords of if/unless/each blocks. Anything else is Unsupported (so the
// tag can be handed to Ruby where Ruby exists).

/** A string or command literal: text pieces and `#{...}` code with its offset. */
export type Piece = string | { readonly code: string; readonly start: number }

export type Token =
  | { readonly t: 'str' | 'cmd'; readonly pieces: readonly Piece[]; readonly start: number; readonly end: number }
  | { readonly t: 'num'; readonly value: number; readonly start: number; readonly end: number }
  | { readonly t: 'words'; readonly words: readonly string[]; readonly start: number; readonly end: number }
  | { readonly t: 'id' | 'const' | 'sym' | 'op'; readonly v: string; readonly start: number; readonly end: number }

const OPS = [
  '&&',
  '||',
  '==',
  '!=',
  '&.',
  '&:',
  '::',
  '.',
  '(',
  ')',
  '[',
  ']',
  '{',
  '}',
  ',',
  '|',
  '!',
  '=',
  '?',
  ':',
  '+',
  ';',
  '\n',
]
const CLOSERS: Readonly<Record<string, string>> = { '(': ')', '[': ']', '{': '}', '<': '>' }

/** Tokens of `code`; offsets are relative to `base` (the code's offset in the file). */
export function lex(code: string, base = 0): Token[] {
  const tokens: Token[] = []
  let i = 0
  const at = (n: number): number => base + n
  while (i < code.length) {
    const c = code[i]!
    if (c === ' ' || c === '\t' || c === '\r') {
      i++
      continue
    }
    if (c === '#') {
      while (i < code.length && code[i] !== '\n') i++
      continue
    }
    const start = i
    if (c === '"' || c === '`') {
      const { pieces, end } = interpolated(code, i + 1, c, base)
      tokens.push({ t: c === '"' ? 'str' : 'cmd', pieces, start: at(start), end: at(end) })
      i = end
      continue
    }
    if (c === "'") {
      let text = ''
      i++
      while (i < code.length && code[i] !== "'") {
        if (code[i] === '\\' && (code[i + 1] === "'" || code[i + 1] === '\\')) i++
        text += code[i++]
      }
      if (i >= code.length) throw new Unsupported('a string without its closing quote', at(start))
      i++
      tokens.push({ t: 'str', pieces: [text], start: at(start), end: at(i) })
      continue
    }
    if (c === '%' && /[xwqQ]/.test(code[i + 1] ?? '') && code[i + 2] !== undefined && !/[\s\w]/.test(code[i + 2]!)) {
      const kind = code[i + 1]!
      const open = code[i + 2]!
      const close = CLOSERS[open] ?? open
      if (kind === 'x' || kind === 'Q') {
        const { pieces, end } = interpolated(code, i + 3, close, base, open)
        tokens.push({ t: kind === 'x' ? 'cmd' : 'str', pieces, start: at(start), end: at(end) })
        i = end
      } else {
        const end = code.indexOf(close, i + 3)
        if (end < 0) throw new Unsupported(`a %${kind} literal without its closing ${close}`, at(start))
        const body = code.slice(i + 3, end)
        tokens.push(
          kind === 'w'
            ? { t: 'words', words: body.split(/\s+/).filter(Boolean), start: at(start), end: at(end + 1) }
            : { t: 'str', pieces: [body], start: at(start), end: at(end + 1) },
        )
        i = end + 1
      }
      continue
    }
    const num = /^\d[\d_]*/.exec(code.slice(i))
    if (num) {
      if (code[i + num[0].length] === '.' && /\d/.test(code[i + num[0].length + 1] ?? ''))
        throw new Unsupported('a decimal number', at(start))
      tokens.push({ t: 'num', value: Number(num[0].replaceAll('_', '')), start: at(i), end: at(i + num[0].length) })
      i += num[0].length
      continue
    }
    const word = /^[A-Za-z_]\w*[?!]?/.exec(code.slice(i))
    if (word) {
      const w = word[0]
      tokens.push({ t: /^[A-Z]/.test(w) ? 'const' : 'id', v: w, start: at(i), end: at(i + w.length) })
      i += w.length
      continue
    }
    if (c === ':' && /[A-Za-z_]/.test(code[i + 1] ?? '') && code[i - 1] !== ':') {
      const sym = /^:([A-Za-z_]\w*[?!]?)/.exec(code.slice(i))!
      tokens.push({ t: 'sym', v: sym[1]!, start: at(i), end: at(i + sym[0].length) })
      i += sym[0].length
      continue
    }
    const op = OPS.find((o) => code.startsWith(o, i))
    if (!op) throw new Unsupported(`"${c}"`, at(i))
    tokens.push({ t: 'op', v: op, start: at(i), end: at(i + op.length) })
    i += op.length
  }
  return tokens
}

// The body of "..." / `...` / %x(...): escapes and #{} interpolation, up to the closing character.
function interpolated(
  code: string,
  from: number,
  close: string,
  base: number,
  open?: string,
): { pieces: Piece[]; end: number } {
  const pieces: Piece[] = []
  let text = ''
  let depth = 0
  let i = from
  while (i < code.length) {
    const c = code[i]!
    if (c === close && depth === 0) {
      if (text) pieces.push(text)
      return { pieces, end: i + 1 }
    }
    if (open && c === open && open !== close) depth++
    if (c === close && depth > 0) depth--
    if (c === '\\' && i + 1 < code.length) {
      text += escape(code[i + 1]!)
      i += 2
      continue
    }
    if (c === '#' && code[i + 1] === '{') {
      const end = matching(code, i + 1)
      if (text) pieces.push(text)
      text = ''
      pieces.push({ code: code.slice(i + 2, end), start: base + i + 2 })
      i = end + 1
      continue
    }
    text += c
    i++
  }
  throw new Unsupported(`a literal without its closing ${close}`, base + from - 1)
}

// Ruby's backslash escapes in "..." and `...`; any other escaped character stands for itself.
function escape(c: string): string {
  const table: Record<string, string> = { n: '\n', t: '\t', r: '\r', e: '\x1b', s: ' ', '0': '\0', a: '\x07', b: '\b' }
  return table[c] ?? c
}

// The index of the `}` that closes the `{` at `open`, skipping nested braces and strings.
function matching(code: string, open: number): number {
  let depth = 0
  for (let i = open; i < code.length; i++) {
    const c = code[i]
    if (c === '"' || c === "'") {
      const q = c
      for (i++; i < code.length && code[i] !== q; i++) if (code[i] === '\\') i++
    } else if (c === '{') depth++
    else if (c === '}' && --depth === 0) return i
  }
  throw new Unsupported('#{ without its closing }', open)
}
