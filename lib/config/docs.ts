import { deployJsonSchema } from './json-schema.ts'

// Prints the deploy.yml key reference from the schema descriptions, so docs and validation
// share one source (Kamal does the same with configuration/docs/*.yml):
// `npx tsx lib/config/docs.ts > docs/config-reference.md`.

interface Node {
  readonly type?: string | string[]
  readonly description?: string
  readonly properties?: Record<string, Node>
  readonly additionalProperties?: Node | boolean
  readonly anyOf?: readonly Node[]
  readonly items?: Node
  readonly required?: readonly string[]
  readonly enum?: readonly unknown[]
}

/** Markdown table rows, one per key path, from the JSON schema of deploy.yml. */
function referenceRows(node: Node = deployJsonSchema() as Node, prefix = ''): string[] {
  const object = findObject(node)
  if (!object?.properties) return []
  return Object.entries(object.properties).flatMap(([key, child]) => {
    const path = prefix ? `${prefix}.${key}` : key
    const required = object.required?.includes(key) ? ' (required)' : ''
    const row = `| \`${path}\` | ${typeOf(child)} | ${(child.description ?? '').replaceAll('|', '\\|')}${required} |`
    const record = findRecord(child)
    const nested = record ? referenceRows(record, `${path}.<name>`) : referenceRows(child, path)
    return [row, ...nested]
  })
}

function findObject(node: Node): Node | undefined {
  if (node.properties) return node
  return node.anyOf?.map(findObject).find(Boolean)
}

// `accessories.<name>` and `servers.<role>` are maps of objects: document the object once.
function findRecord(node: Node): Node | undefined {
  const candidates = [node, ...(node.anyOf ?? [])]
  for (const c of candidates) {
    if (!c.properties && typeof c.additionalProperties === 'object' && findObject(c.additionalProperties))
      return c.additionalProperties
  }
  return undefined
}

function typeOf(node: Node): string {
  if (node.enum) return node.enum.map((e) => `\`${String(e)}\``).join(' \\| ')
  if (node.anyOf) return stringish([...new Set(node.anyOf.map(typeOf))].join(' \\| '))
  const t = stringish(Array.isArray(node.type) ? node.type.join(' \\| ') : (node.type ?? 'any'))
  if (t === 'array' && node.items) return `list of ${typeOf(node.items)}`
  if (t === 'object') return 'map'
  return t
}

// Kamal's "stringish": numbers and booleans are accepted where text is meant, and become text.
const stringish = (type: string): string => type.replaceAll('string \\| number \\| boolean', 'string')

/** The whole reference section. */
export function referenceMarkdown(): string {
  return ['| Key | Type | Meaning / default |', '|---|---|---|', ...referenceRows()].join('\n') + '\n'
}

if (import.meta.url === `file://${process.argv[1]}`) process.stdout.write(referenceMarkdown())
