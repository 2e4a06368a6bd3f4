import type { z } from 'zod'
import type { ConfigIssue, KeyPath, LocatedIssue } from '../errors.ts'
import type { SourceDoc } from './yaml.ts'

/**
 * zod issues → one ConfigIssue per problem, in the user's words: what the key must be and what
 * was found there (`must be a map of options, found nothing`). A failed union reports one bare
 * "Invalid input"; the useful issues are in the branch whose shape matched (an object where an
 * object was allowed), so those are surfaced; when several match, the one with the fewest wins.
 * `raw` is the parsed file, to say what was found.
 */
export function flatten(issue: z.core.$ZodIssue, raw: unknown): ConfigIssue[] {
  const path = keyPath(issue.path)
  if (issue.code === 'unrecognized_keys')
    return issue.keys.map((key) => ({ path: [...path, key], message: 'unknown key' }))
  const found = valueAt(raw, path)
  if (found.absent) return [{ path, message: 'missing required key' }]
  if (issue.code !== 'invalid_union') return [{ path, message: words(issue, found.value) }]
  const atRoot = (i: z.core.$ZodIssue): boolean => i.path.length === 0 && i.code !== 'unrecognized_keys'
  const shapeMatched = issue.errors.filter((branch) => !branch.every(atRoot))
  const flattened = shapeMatched.map((branch) =>
    branch.flatMap((i) => flatten({ ...i, path: [...issue.path, ...i.path] }, raw)),
  )
  if (flattened.length === 0) return [{ path, message: words(issue, found.value) }]
  return flattened.reduce((best, b) => (b.length < best.length ? b : best))
}

const TYPES: Readonly<Record<string, string>> = {
  record: 'a map of options',
  object: 'a map of options',
  map: 'a map of options',
  array: 'a list',
  tuple: 'a list',
  string: 'text',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
}

// zod's "Invalid input: expected record, received null" → "must be a map of options, found nothing".
function words(issue: z.core.$ZodIssue, value: unknown): string {
  const found = `found ${describe(value)}`
  if (issue.code === 'invalid_type') return `must be ${TYPES[issue.expected] ?? issue.expected}, ${found}`
  if (issue.code === 'invalid_value') return `must be one of ${issue.values.map((v) => String(v)).join(', ')}, ${found}`
  const expected = /^expected (.*)$/.exec(issue.message)
  if (expected) return `must be ${expected[1]}, ${found}`
  return issue.message
}

/** What a value is, as a user would say it. */
function describe(value: unknown): string {
  if (value === null || value === undefined) return 'nothing'
  if (Array.isArray(value)) return 'a list'
  if (typeof value === 'object') return 'a map'
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 37)}...` : value)
  return String(value)
}

function valueAt(raw: unknown, path: KeyPath): { absent: boolean; value: unknown } {
  let value = raw
  for (const key of path) {
    if (typeof value !== 'object' || value === null || !(key in value)) return { absent: true, value: undefined }
    value = (value as Record<string | number, unknown>)[key]
  }
  return { absent: false, value }
}

// zod paths may hold symbols in theory; YAML keys are strings and indexes.
const keyPath = (path: readonly PropertyKey[]): KeyPath => path.map((k) => (typeof k === 'number' ? k : String(k)))

/**
 * Places an issue in the file it came from: the deepest existing node of its path, looked up
 * in the overlay (destination) document first, then the base. A missing key is reported on its
 * parent; a missing root key on the base file's first node.
 */
export function locate(docs: readonly SourceDoc[], issue: ConfigIssue): LocatedIssue {
  const [base] = docs
  for (let depth = issue.path.length; depth >= 0; depth--) {
    const candidates = depth === 0 ? docs.slice(0, 1) : [...docs].reverse()
    for (const source of candidates) {
      const node = nodeAt(source, issue.path.slice(0, depth))
      if (node?.range) return { ...issue, file: source.file, ...source.position(node.range[0]) }
    }
  }
  // Nothing to point at (an empty file, a document of only comments): its start.
  return { ...issue, file: base?.file, line: 1, col: 1 }
}

// `getIn(path, true)` gives the value node: a scalar points at its value, a map at its first key.
function nodeAt(source: SourceDoc, path: KeyPath): { range?: [number, number, number] | null | undefined } | undefined {
  const { doc } = source
  if (path.length === 0) return (doc.contents as { range?: [number, number, number] } | null) ?? undefined
  const node = doc.getIn(path, true) as { range?: [number, number, number] } | null | undefined
  return node ?? undefined
}
