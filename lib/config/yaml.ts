import {
  Document,
  isAlias,
  isMap,
  isScalar,
  isSeq,
  parseAllDocuments,
  Scalar,
  type Node,
  type Pair,
  type YAMLMap,
} from 'yaml'
import { ConfigError, type LocatedIssue } from '../errors.ts'
import { psychScalar, rubyFloatToS } from './psych-scalar.ts'
import type { SourceMap } from './source-map.ts'

/** One parsed YAML file: its name for messages, the document (with ranges) and where its offsets are in the source. */
export interface SourceDoc {
  readonly file: string
  readonly doc: Document
  /** Line and column in the file as written (before ERB) of an offset in the parsed text. */
  position(offset: number): { line: number; col: number }
}

/** A file read as Kamal's Ruby reads it: its value, and warnings about what Ruby silently did. */
export interface ReadYaml {
  readonly source: SourceDoc
  readonly value: unknown
  readonly warnings: readonly string[]
}

/**
 * Parses YAML as Ruby's Psych (`YAML.unsafe_load`) does: only the first document (a `...` marker
 * ends it), YAML 1.1 scalars (see psych-scalar.ts), merge keys applied in order (a merged map
 * overrides keys written before the `<<`), and duplicate keys: the last wins, with a warning
 * naming both lines. `map` places offsets of `text` (ERB output) back in the file as written.
 */
export function readYaml(file: string, text: string, map: SourceMap): ReadYaml {
  const [doc] = parseAllDocuments(text, { schema: 'failsafe', uniqueKeys: false })
  const position = (offset: number): { line: number; col: number } => map.position(offset)
  const source: SourceDoc = { file, doc: doc ?? new Document(null), position }
  if (!doc) return { source, value: null, warnings: [] }
  if (doc.errors.length > 0) {
    throw new ConfigError(
      file,
      doc.errors.map((e): LocatedIssue => ({
        path: [],
        message: yamlMessage(e.code, e.message),
        ...position(errorOffset(e, text)),
      })),
    )
  }
  const warnings: string[] = []
  const value = toRuby(doc.contents, { doc, warnings, file, position, path: [] })
  return { source, value, warnings }
}

interface Walk {
  readonly doc: Document
  readonly warnings: string[]
  readonly file: string
  readonly position: (offset: number) => { line: number; col: number }
  readonly path: readonly string[]
}

function toRuby(node: unknown, w: Walk): unknown {
  if (node === null || node === undefined) return null
  if (isAlias(node)) {
    const target = node.resolve(w.doc)
    if (target) return toRuby(target, w)
    const at = w.position(node.range?.[0] ?? 0)
    throw new ConfigError(w.file, [
      {
        path: w.path,
        message: `unknown alias *${node.source}: an alias needs an anchor &${node.source} before it`,
        ...at,
      },
    ])
  }
  refuseTag(node as Node, w)
  if (isScalar(node)) return scalarValue(node)
  if (isSeq(node)) return node.items.map((item, i) => toRuby(item, { ...w, path: [...w.path, String(i)] }))
  if (isMap(node)) return mapValue(node, w)
  return null
}

// The tags a deploy.yml may spell out; Psych would build Ruby objects or binary strings for others.
const CORE_TAGS = new Set(['str', 'int', 'float', 'bool', 'null', 'map', 'seq'].map((t) => `tag:yaml.org,2002:${t}`))

/** A value with any other tag (`!!binary`, `!ruby/object:…`, `!custom`) is refused, in one line. */
function refuseTag(node: Node, w: Walk): void {
  const tag = node.tag
  if (tag === undefined || CORE_TAGS.has(tag)) return
  const shown = tag.replace(/^tag:yaml\.org,2002:/, '!!')
  throw new ConfigError(w.file, [
    {
      path: w.path,
      message: `the YAML tag ${shown} is not supported in deploy.yml: write the plain value`,
      ...w.position(node.range?.[0] ?? 0),
    },
  ])
}

function scalarValue(node: Scalar): unknown {
  const text = String(node.value ?? '')
  switch (node.tag) {
    case undefined:
      return node.type === Scalar.PLAIN ? psychScalar(text) : text
    case 'tag:yaml.org,2002:int':
      return Number.parseInt(text.replace(/[,_]/g, ''), 10)
    case 'tag:yaml.org,2002:float':
      return rubyFloatToS(Number(text.replace(/[,_]/g, '')))
    case 'tag:yaml.org,2002:bool':
      return psychScalar(text)
    case 'tag:yaml.org,2002:null':
      return null
    default:
      return text
  }
}

// Psych's revive_hash: pairs in order; `<<` merges with Hash#merge! (so it overrides keys written
// before it); a later duplicate key replaces the earlier one.
function mapValue(node: YAMLMap, w: Walk): Record<string, unknown> {
  const hash: Record<string, unknown> = {}
  const written = new Map<string, Pair>()
  const superseded: Pair[] = []
  for (const pair of node.items) {
    const key = String(toRuby(pair.key, w))
    const child = { ...w, path: [...w.path, key] }
    if (key === '<<' && !(isScalar(pair.key) && pair.key.tag === 'tag:yaml.org,2002:str')) {
      const merged = mergeSource(pair.value, child)
      if (merged) {
        Object.assign(hash, merged)
        continue
      }
    }
    const earlier = written.get(key)
    if (earlier) {
      superseded.push(earlier)
      w.warnings.push(duplicateWarning(w, key, earlier, pair))
    }
    written.set(key, pair)
    hash[key] = toRuby(pair.value, child)
  }
  // Later lookups of a key's position (error messages) must find the pair that won.
  for (const pair of superseded) node.items.splice(node.items.indexOf(pair), 1)
  return hash
}

function mergeSource(value: unknown, w: Walk): Record<string, unknown> | undefined {
  const resolved = toRuby(value, w)
  if (isHash(resolved)) return resolved
  if (!Array.isArray(resolved) || !resolved.every(isHash)) return undefined
  // Earlier maps in a `<<: [*a, *b]` list win.
  return Object.assign({}, ...[...resolved].reverse())
}

const isHash = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)

function duplicateWarning(w: Walk, key: string, earlier: Pair, later: Pair): string {
  const at = (pair: Pair): { line: number; col: number } => w.position((pair.key as Node).range?.[0] ?? 0)
  const first = at(earlier)
  const second = at(later)
  const name = [...w.path, key].join('.')
  return `${w.file}:${second.line}:${second.col} ${name}: duplicate key (also on line ${first.line}); the last one wins, as in Kamal`
}

// An unclosed quote is reported at the end of the file; the quote that opened it is what to fix.
function errorOffset(error: { code: string; message: string; pos: [number, number] }, text: string): number {
  const quote = /^Missing closing (["'])quote/.exec(error.message)?.[1]
  if (error.code !== 'MISSING_CHAR' || !quote) return error.pos[0]
  for (let i = Math.min(error.pos[0], text.length) - 1; i >= 0; i--)
    if (text[i] === quote && (quote === "'" || text[i - 1] !== '\\')) return i
  return error.pos[0]
}

// The parser's messages, in the user's words, without advice meant for programmers.
const MESSAGES: Readonly<Record<string, string>> = {
  BAD_INDENT: 'bad indentation',
  TAB_AS_INDENT: 'tabs cannot be used for indentation, use spaces',
  MULTILINE_IMPLICIT_KEY: 'a key must fit on one line (is a ":" or a closing quote missing above?)',
  MISSING_CHAR: 'missing closing character',
  BAD_ALIAS: 'unknown anchor (an alias *name needs an anchor &name before it)',
  DUPLICATE_KEY: 'duplicate key',
}

function yamlMessage(code: string, message: string): string {
  const quote = /^Missing closing (["'])quote/.exec(message)?.[1]
  if (quote) return `a quoted value is missing its closing ${quote}`
  const first = message.split('\n')[0]!.replace(/\s*at line \d+, column \d+:?$/, '')
  const own = first.replace(/;? ?(?:please|Please) use [^.]*\.?/g, '').trim()
  if (code === 'BAD_INDENT' && own.length > 0) return own
  return own || MESSAGES[code] || 'invalid YAML'
}
