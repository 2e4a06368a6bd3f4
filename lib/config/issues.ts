import type { Document, LineCounter } from 'yaml'
import type { z } from 'zod'
import type { ConfigIssue, KeyPath, LocatedIssue } from '../errors.ts'

/** One parsed YAML file: its name for messages, the document (with ranges) and its line counter. */
export interface SourceDoc {
  readonly file: string
  readonly doc: Document
  readonly lines: LineCounter
}

/**
 * zod issues → one ConfigIssue per problem. A failed union reports one bare "Invalid input";
 * the useful issues are in the branch whose shape matched (an object where an object was
 * allowed), so those are surfaced; when several match, the one with the fewest problems wins.
 */
export function flatten(issue: z.core.$ZodIssue): ConfigIssue[] {
  const path = keyPath(issue.path)
  if (issue.code === 'unrecognized_keys')
    return issue.keys.map((key) => ({ path: [...path, key], message: 'unknown key' }))
  // zod says "expected object, received undefined" for an absent key; users think "missing".
  if (issue.code === 'invalid_type' && issue.message.endsWith('received undefined'))
    return [{ path, message: 'missing required key' }]
  if (issue.code !== 'invalid_union') return [{ path, message: issue.message }]
  const atRoot = (i: z.core.$ZodIssue): boolean => i.path.length === 0 && i.code !== 'unrecognized_keys'
  const shapeMatched = issue.errors.filter((branch) => !branch.every(atRoot))
  const flattened = shapeMatched.map((branch) =>
    branch.flatMap((i) => flatten({ ...i, path: [...issue.path, ...i.path] })),
  )
  if (flattened.length === 0) {
    const absent = issue.errors.every((b) => b.every((i) => i.message.endsWith('received undefined')))
    return [{ path, message: absent ? 'missing required key' : issue.message }]
  }
  return flattened.reduce((best, b) => (b.length < best.length ? b : best))
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
      const node = nodeAt(source.doc, issue.path.slice(0, depth))
      if (node?.range) return { ...issue, file: source.file, ...source.lines.linePos(node.range[0]) }
    }
  }
  return { ...issue, file: base?.file }
}

// `getIn(path, true)` gives the value node: a scalar points at its value, a map at its first key.
function nodeAt(doc: Document, path: KeyPath): { range?: [number, number, number] | null | undefined } | undefined {
  if (path.length === 0) return (doc.contents as { range?: [number, number, number] } | null) ?? undefined
  const node = doc.getIn(path, true) as { range?: [number, number, number] } | null | undefined
  return node ?? undefined
}
