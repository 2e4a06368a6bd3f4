import { Unsupported } from './errors.ts'
import { lex, type Piece, type Token } from './ruby-lex.ts'

// A parser for the expressions and statements of the Ruby subset (see ruby-lex.ts). Every node
// keeps its offsets in the file, so a failure names the expression the user wrote.

export type Expr = { readonly start: number; readonly end: number } & (
  | { readonly k: 'str' | 'cmd'; readonly pieces: readonly (string | Expr)[] }
  | { readonly k: 'lit'; readonly value: string | number | boolean | null | readonly string[] }
  | { readonly k: 'const' | 'var'; readonly name: string }
  | {
      readonly k: 'call'
      readonly recv: Expr | undefined
      readonly name: string
      readonly args: readonly Expr[]
      /** `{ expr }` after the call (ENV.fetch's default). */
      readonly block: Expr | undefined
      /** `(&:name)`: a method applied to each element. */
      readonly blockSym: string | undefined
      readonly safe: boolean
    }
  | { readonly k: 'index'; readonly recv: Expr; readonly args: readonly Expr[] }
  | { readonly k: 'array'; readonly items: readonly Expr[] }
  | { readonly k: 'not'; readonly e: Expr }
  | { readonly k: 'and' | 'or' | 'eq' | 'ne' | 'plus'; readonly l: Expr; readonly r: Expr }
  | { readonly k: 'if'; readonly cond: Expr; readonly then: Expr; readonly else: Expr | undefined }
)

export type Statement = { readonly start: number } & (
  | { readonly s: 'if'; readonly cond: Expr }
  | { readonly s: 'unless'; readonly cond: Expr }
  | { readonly s: 'elsif'; readonly cond: Expr }
  | { readonly s: 'else' }
  | { readonly s: 'end' }
  | { readonly s: 'each'; readonly list: Expr; readonly vars: readonly string[]; readonly withIndex: boolean }
  | { readonly s: 'assign'; readonly name: string; readonly value: Expr }
  | { readonly s: 'expr'; readonly e: Expr }
)

/** The statements of a `<% %>` tag (separated by `;` or new lines). */
export function parseStatements(code: string, base: number): Statement[] {
  const p = new Parser(lex(code, base), base + code.length)
  const out: Statement[] = []
  while (!p.done()) {
    if (p.eat('op', ';') || p.eat('op', '\n')) continue
    out.push(p.statement())
    if (!p.done() && !p.peekOp(';') && !p.peekOp('\n')) p.fail()
  }
  return out
}

/** The one expression of a `<%= %>` tag (a trailing `if`/`unless` modifier allowed). */
export function parseOutput(code: string, base: number): Expr {
  const p = new Parser(lex(code, base), base + code.length)
  while (p.eat('op', '\n'));
  const e = p.modified(p.expr())
  while (p.eat('op', '\n') || p.eat('op', ';'));
  if (!p.done()) p.fail()
  return e
}

class Parser {
  #i = 0
  readonly #tokens: readonly Token[]
  readonly #end: number
  constructor(tokens: readonly Token[], end: number) {
    this.#tokens = tokens
    this.#end = end
  }

  done(): boolean {
    return this.#i >= this.#tokens.length
  }
  #peek(): Token | undefined {
    return this.#tokens[this.#i]
  }
  peekOp(v: string): boolean {
    const t = this.#peek()
    return t?.t === 'op' && t.v === v
  }
  #peekId(v: string): boolean {
    const t = this.#peek()
    return t?.t === 'id' && t.v === v
  }
  eat(t: 'op' | 'id', v: string): boolean {
    const tok = this.#peek()
    if (tok && tok.t === t && 'v' in tok && tok.v === v) {
      this.#i++
      return true
    }
    return false
  }
  fail(): never {
    const t = this.#peek()
    throw new Unsupported(t ? `"${'v' in t ? t.v : t.t}" here` : 'an incomplete expression', t?.start ?? this.#end)
  }
  #expect(t: 'op' | 'id', v: string): void {
    if (!this.eat(t, v)) this.fail()
  }

  statement(): Statement {
    const t = this.#peek()!
    const start = t.start
    if (t.t === 'id' && (t.v === 'if' || t.v === 'unless' || t.v === 'elsif')) {
      this.#i++
      const cond = this.expr()
      this.eat('id', 'then')
      return t.v === 'if'
        ? { s: 'if', cond, start }
        : t.v === 'unless'
          ? { s: 'unless', cond, start }
          : { s: 'elsif', cond, start }
    }
    if (t.t === 'id' && (t.v === 'else' || t.v === 'end')) {
      this.#i++
      return t.v === 'else' ? { s: 'else', start } : { s: 'end', start }
    }
    const next = this.#tokens[this.#i + 1]
    if (t.t === 'id' && next?.t === 'op' && next.v === '=') {
      this.#i += 2
      return { s: 'assign', name: t.v, value: this.modified(this.expr()), start }
    }
    const e = this.expr()
    if (this.#peekId('do')) {
      this.#i++
      if (e.k !== 'call' || !e.recv || (e.name !== 'each' && e.name !== 'each_with_index') || e.args.length > 0)
        throw new Unsupported('a block other than .each do |x| or .each_with_index do |x, i|', e.start)
      this.#expect('op', '|')
      const vars = [this.#name()]
      if (this.eat('op', ',')) vars.push(this.#name())
      this.#expect('op', '|')
      return { s: 'each', list: e.recv, vars, withIndex: e.name === 'each_with_index', start }
    }
    return { s: 'expr', e: this.modified(e), start }
  }

  #name(): string {
    const t = this.#peek()
    if (t?.t !== 'id') this.fail()
    this.#i++
    return t.v
  }

  // `expr if cond` / `expr unless cond`
  modified(e: Expr): Expr {
    for (const kw of ['if', 'unless'] as const) {
      if (this.#peekId(kw)) {
        this.#i++
        const c = this.expr()
        const cond: Expr = kw === 'if' ? c : { k: 'not', e: c, start: c.start, end: c.end }
        return { k: 'if', cond, then: e, else: undefined, start: e.start, end: cond.end }
      }
    }
    return e
  }

  expr(): Expr {
    const cond = this.#binary(0)
    if (!this.eat('op', '?')) return cond
    const a = this.expr()
    this.#expect('op', ':')
    const b = this.expr()
    return { k: 'if', cond, then: a, else: b, start: cond.start, end: b.end }
  }

  // Precedence, lowest first: ||, &&, == / !=, +.
  #binary(level: number): Expr {
    const LEVELS: readonly (readonly [string, 'or' | 'and' | 'eq' | 'ne' | 'plus'][])[] = [
      [['||', 'or']],
      [['&&', 'and']],
      [
        ['==', 'eq'],
        ['!=', 'ne'],
      ],
      [['+', 'plus']],
    ]
    if (level >= LEVELS.length) return this.#unary()
    let l = this.#binary(level + 1)
    for (;;) {
      const op = LEVELS[level]!.find(([v]) => this.peekOp(v))
      if (!op) return l
      this.#i++
      const r = this.#binary(level + 1)
      l = { k: op[1], l, r, start: l.start, end: r.end }
    }
  }

  #unary(): Expr {
    const t = this.#peek()
    if (t && ((t.t === 'op' && t.v === '!') || (t.t === 'id' && t.v === 'not'))) {
      this.#i++
      const e = this.#unary()
      return { k: 'not', e, start: t.start, end: e.end }
    }
    return this.#postfix(this.#primary())
  }

  #postfix(recv: Expr): Expr {
    for (;;) {
      const safe = this.peekOp('&.')
      if (this.peekOp('.') || safe || this.peekOp('::')) {
        this.#i++
        const t = this.#peek()
        if (t?.t !== 'id' && t?.t !== 'const') this.fail()
        this.#i++
        recv = this.#call(recv, t.v, safe)
      } else if (this.peekOp('[') && this.#adjacent()) {
        this.#i++
        const args = this.#list(']')
        recv = { k: 'index', recv, args, start: recv.start, end: this.#tokens[this.#i - 1]!.end }
      } else return recv
    }
  }

  // `a [1]` is a call with an array argument in Ruby; only `a[1]` indexes.
  #adjacent(): boolean {
    return this.#tokens[this.#i - 1]!.end === this.#peek()!.start
  }

  #call(recv: Expr | undefined, name: string, safe: boolean): Expr {
    const start = recv?.start ?? this.#tokens[this.#i - 1]!.start
    let args: Expr[] = []
    let blockSym: string | undefined
    if (this.peekOp('(') && this.#adjacent()) {
      this.#i++
      if (this.eat('op', '&:')) {
        blockSym = this.#name()
        this.#expect('op', ')')
      } else args = this.#list(')')
    }
    let block: Expr | undefined
    if (this.peekOp('{')) {
      this.#i++
      if (this.peekOp('|')) throw new Unsupported('a block with parameters', this.#peek()!.start)
      block = this.expr()
      this.#expect('op', '}')
    }
    return { k: 'call', recv, name, args, block, blockSym, safe, start, end: this.#tokens[this.#i - 1]!.end }
  }

  #list(close: string): Expr[] {
    const items: Expr[] = []
    while (!this.eat('op', close)) {
      if (items.length > 0) this.#expect('op', ',')
      if (this.eat('op', close)) break
      items.push(this.expr())
    }
    return items
  }

  #primary(): Expr {
    const t = this.#peek()
    if (!t) this.fail()
    this.#i++
    const span = { start: t.start, end: t.end }
    switch (t.t) {
      case 'str':
      case 'cmd':
        return { k: t.t, pieces: t.pieces.map(piece), ...span }
      case 'num':
        return { k: 'lit', value: t.value, ...span }
      case 'words':
        return { k: 'lit', value: t.words, ...span }
      case 'sym':
        return { k: 'lit', value: t.v, ...span }
      case 'const':
        return { k: 'const', name: t.v, ...span }
      case 'id':
        if (t.v === 'true' || t.v === 'false') return { k: 'lit', value: t.v === 'true', ...span }
        if (t.v === 'nil') return { k: 'lit', value: null, ...span }
        if (this.peekOp('(') && this.#adjacent()) return this.#call(undefined, t.v, false)
        return { k: 'var', name: t.v, ...span }
      case 'op':
        if (t.v === '(') {
          const e = this.expr()
          this.#expect('op', ')')
          return e
        }
        if (t.v === '[') {
          const items = this.#list(']')
          return { k: 'array', items, start: t.start, end: this.#tokens[this.#i - 1]!.end }
        }
    }
    this.#i--
    this.fail()
  }
}

function piece(p: Piece): string | Expr {
  if (typeof p === 'string') return p
  return parseOutput(p.code, p.start)
}
