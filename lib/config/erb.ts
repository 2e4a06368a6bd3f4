import { ConfigError, type LocatedIssue } from '../errors.ts'
import { RubyError, Unsupported } from './erb/errors.ts'
import { evaluate, quote, toS, truthy, type Scope } from './erb/ruby-eval.ts'
import type { Value } from './erb/ruby-methods.ts'
import { parseOutput, parseStatements, type Expr, type Statement } from './erb/ruby-parse.ts'
import { findRuby, renderWithRuby } from './erb/ruby.ts'
import { scan } from './erb/template.ts'
import { identityMap, SourceMapBuilder, type SourceMap } from './source-map.ts'

// Kamal runs every config file through Ruby's ERB before YAML. slipway evaluates the Ruby that
// deploy.yml files use (docs/compatibility.md lists it) without Ruby; a file using more is
// rendered by Ruby's own ERB when `ruby` is on PATH, and is an error naming the line otherwise.

/** What ERB made of a file: the YAML text, where each piece came from, and warnings. */
export interface Rendered {
  readonly text: string
  readonly map: SourceMap
  readonly warnings: readonly string[]
}

export interface ErbOptions {
  /** The file name for messages. */
  readonly file: string
  /** ENV as the tags see it: the process env overlaid by `.env`. */
  readonly env: Readonly<Record<string, string | undefined>>
  /** Where commands run and File.read looks (the project dir). */
  readonly root?: string | undefined
}

type Node =
  | { readonly n: 'text'; readonly start: number; readonly text: string }
  | { readonly n: 'output'; readonly start: number; readonly tag: string; readonly e: Expr }
  | { readonly n: 'stmt'; readonly start: number; readonly tag: string; readonly st: Statement }
  | { readonly n: 'if'; readonly start: number; readonly tag: string; readonly branches: Branch[]; otherwise: Node[] }
  | {
      readonly n: 'each'
      readonly start: number
      readonly tag: string
      readonly st: EachStatement
      readonly body: Node[]
    }

interface Branch {
  readonly cond: Expr
  readonly negate: boolean
  readonly body: Node[]
}
type EachStatement = Extract<Statement, { s: 'each' }>

/** Renders `source`; a ConfigError lists every tag that failed, each at its line. */
export function renderErb(source: string, { file, env, root = '.' }: ErbOptions): Rendered {
  if (!source.includes('<%')) return { text: source, map: identityMap(source), warnings: [] }
  try {
    const nodes = tree(source, file)
    const out = new SourceMapBuilder()
    const issues: LocatedIssue[] = []
    const scope: Scope = { env, root, vars: new Map<string, Value>(), source }
    run(nodes, scope, out, (tag, at, message) =>
      issues.push({ path: [oneLine(tag)], message, ...position(source, at) }),
    )
    if (issues.length > 0) throw new ConfigError(file, issues)
    return { text: out.text, map: out.build(source), warnings: [] }
  } catch (error) {
    if (!(error instanceof UnsupportedAt)) throw error
    const ruby = findRuby(env)
    const where = `${file}:${position(source, error.cause.offset).line}`
    if (!ruby) {
      const at = position(source, error.cause.offset)
      throw new ConfigError(file, [
        {
          path: [oneLine(error.tag)],
          message: `${error.cause.message} is outside the ERB slipway evaluates, and there is no ruby on PATH to render it (see docs/compatibility.md)`,
          ...at,
        },
      ])
    }
    const text = renderWithRuby(ruby, source, { file, env, root })
    return {
      text,
      map: identityMap(text),
      warnings: [
        `${where}: rendered by Ruby's ERB (${ruby}): ${error.cause.message} is outside the ERB slipway evaluates`,
      ],
    }
  }
}

/** renderErb's text alone (accessory `files:` ending in .erb). */
export function evaluateErb(source: string, options: ErbOptions): string {
  return renderErb(source, options).text
}

/** An Unsupported tag, with the tag it is in. */
class UnsupportedAt extends Error {
  override readonly cause: Unsupported
  readonly tag: string
  constructor(cause: Unsupported, tag: string) {
    super(cause.message)
    this.cause = cause
    this.tag = tag
  }
}

function unsupportedIn<T>(tag: string, f: () => T): T {
  try {
    return f()
  } catch (error) {
    if (error instanceof Unsupported) throw new UnsupportedAt(error, tag)
    throw error
  }
}

// Parses every tag and nests if/unless/elsif/else/each blocks up to their `end`.
function tree(source: string, file: string): Node[] {
  const root: Node[] = []
  const stack: { node: Extract<Node, { n: 'if' | 'each' }>; body: Node[] }[] = []
  const body = (): Node[] => stack.at(-1)?.body ?? root
  const structural = (tag: string, at: number, message: string): never => {
    throw new ConfigError(file, [{ path: [oneLine(tag)], message, ...position(source, at) }])
  }
  for (const part of scan(source)) {
    if (part.kind === 'text') {
      body().push({ n: 'text', start: part.start, text: part.text })
      continue
    }
    if (part.kind === 'output') {
      const e = unsupportedIn(part.tag, () => parseOutput(part.code, part.codeStart))
      body().push({ n: 'output', start: part.start, tag: part.tag, e })
      continue
    }
    for (const st of unsupportedIn(part.tag, () => parseStatements(part.code, part.codeStart))) {
      const top = stack.at(-1)
      if (st.s === 'if' || st.s === 'unless') {
        const branch: Branch = { cond: st.cond, negate: st.s === 'unless', body: [] }
        const node: Node = { n: 'if', start: part.start, tag: part.tag, branches: [branch], otherwise: [] }
        body().push(node)
        stack.push({ node, body: branch.body })
      } else if (st.s === 'each') {
        const node: Node = { n: 'each', start: part.start, tag: part.tag, st, body: [] }
        body().push(node)
        stack.push({ node, body: node.body })
      } else if (st.s === 'elsif' || st.s === 'else') {
        const open = top && top.node.n === 'if' && top.body !== top.node.otherwise ? top.node : undefined
        if (!open || !top) return structural(part.tag, st.start, `${st.s} without an if before it`)
        if (st.s === 'else') top.body = open.otherwise
        else {
          const branch: Branch = { cond: st.cond, negate: false, body: [] }
          open.branches.push(branch)
          top.body = branch.body
        }
      } else if (st.s === 'end') {
        if (!stack.pop()) return structural(part.tag, st.start, 'end without an if, unless or each before it')
      } else body().push({ n: 'stmt', start: part.start, tag: part.tag, st })
    }
  }
  const open = stack.at(-1)
  if (open) return structural(open.node.tag, open.node.start, `this ${open.node.n} has no end`)
  return root
}

type Report = (tag: string, at: number, message: string) => void

function run(nodes: readonly Node[], scope: Scope, out: SourceMapBuilder, report: Report): void {
  for (const node of nodes) {
    if (node.n === 'text') {
      out.copy(node.start, node.text)
      continue
    }
    const value = (e: Expr): Value | undefined => {
      try {
        return unsupportedIn(node.tag, () => evaluate(e, scope))
      } catch (error) {
        if (!(error instanceof RubyError)) throw error
        report(node.tag, error.offset, error.message)
        return undefined
      }
    }
    if (node.n === 'output') {
      const v = value(node.e)
      if (v !== undefined) out.insert(node.start, toS(v))
    } else if (node.n === 'stmt') {
      const st = node.st
      if (st.s === 'assign') {
        const v = value(st.value)
        if (v !== undefined) scope.vars.set(st.name, v)
      } else if (st.s === 'expr') value(st.e)
    } else if (node.n === 'if') {
      const chosen = node.branches.find((b) => {
        const v = value(b.cond)
        return v !== undefined && truthy(v) !== b.negate
      })
      run(chosen ? chosen.body : node.otherwise, scope, out, report)
    } else {
      const list = value(node.st.list)
      if (list === undefined) continue
      if (!Array.isArray(list)) {
        report(node.tag, node.st.list.start, `${quote(node.st.list, scope)} is not a list, cannot call each on it`)
        continue
      }
      list.forEach((item, i) => {
        scope.vars.set(node.st.vars[0]!, item)
        if (node.st.vars[1]) scope.vars.set(node.st.vars[1], node.st.withIndex ? i : null)
        run(node.body, scope, out, report)
      })
    }
  }
}

function position(source: string, offset: number): { line: number; col: number } {
  return identityMap(source).position(offset)
}

const oneLine = (tag: string): string => (tag.length > 72 ? `${tag.slice(0, 69)}...` : tag).replaceAll('\n', ' ')
