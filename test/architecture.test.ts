import { spawnSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import ts from 'typescript'
import { expect, test } from 'vitest'

// The map of docs/architecture.md, checked: the table "The folders and what each may import" is read
// from the page itself, so the page and this test cannot drift apart.

const ROOT = resolve(import.meta.dirname, '..')

interface Import {
  readonly from: string
  /** A repo file (relative to the root) or a package name (`node:` for every builtin). */
  readonly to: string
  readonly local: boolean
  readonly line: number
}

// The repository's own files (committed, or new and not ignored): scratch files, builds and
// dependencies that git ignores are not part of the map.
function sourceFiles(): string[] {
  const listed = spawnSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '--', '*.ts'], {
    cwd: ROOT,
    encoding: 'utf8',
  })
  if (listed.status !== 0) throw new Error(`git ls-files failed: ${listed.stderr}`)
  return listed.stdout.split('\n').filter((file) => file !== '' && existsSync(join(ROOT, file)))
}

/** Static imports and re-exports (types too), `import('…')` and `typeof import('…')` with a literal. */
function importsOf(file: string): Import[] {
  const source = ts.createSourceFile(file, readFileSync(join(ROOT, file), 'utf8'), ts.ScriptTarget.Latest, true)
  const found: Import[] = []
  const add = (node: ts.Node, specifier: string): void => {
    const local = specifier.startsWith('.')
    const to = local ? relative(ROOT, resolve(ROOT, dirname(file), specifier)) : packageOf(specifier)
    found.push({ from: file, to, local, line: source.getLineAndCharacterOfPosition(node.getStart()).line + 1 })
  }
  const visit = (node: ts.Node): void => {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier) {
      if (ts.isStringLiteral(node.moduleSpecifier)) add(node, node.moduleSpecifier.text)
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      const [argument] = node.arguments
      if (argument && ts.isStringLiteralLike(argument)) add(node, argument.text)
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) {
      const literal = node.argument.literal
      if (ts.isStringLiteral(literal)) add(node, literal.text)
    }
    ts.forEachChild(node, visit)
  }
  visit(source)
  return found
}

const packageOf = (specifier: string): string =>
  specifier.startsWith('node:')
    ? 'node:'
    : specifier
        .split('/')
        .slice(0, specifier.startsWith('@') ? 2 : 1)
        .join('/')

interface Row {
  /** A folder (`lib/`) or a file (`lib/main.ts`): the most specific row names a file's rules. */
  readonly place: string
  readonly may: readonly string[]
  readonly never: readonly string[]
}

/** The table's rows: `Folder`, `Holds`, `May import`, `Never imports`, each path in backticks. */
function readMap(): Row[] {
  const page = readFileSync(join(ROOT, 'docs/architecture.md'), 'utf8')
  const table = page.split('## The folders and what each may import')[1]?.split('\n## ')[0] ?? ''
  const cells = (cell: string | undefined): string[] => [...(cell ?? '').matchAll(/`([^`]+)`/g)].map((m) => m[1]!)
  return table
    .split('\n')
    .filter((line) => line.startsWith('| `'))
    .map((line) => {
      const [place, , may, never] = line.split('|').slice(1)
      return { place: cells(place)[0]!, may: cells(may), never: cells(never) }
    })
}

/** A table entry naming a folder or file of the repo, not a package. */
const isPath = (entry: string): boolean => entry.endsWith('/') || entry.endsWith('.ts')
const covers = (entry: string, target: string): boolean =>
  entry.endsWith('/') ? target.startsWith(entry) : target === entry
/** Tests and tool configs may import anything (they are not part of the map). */
const isExempt = (file: string): boolean =>
  file.startsWith('test/') || file.endsWith('.test.ts') || (!file.includes('/') && file.endsWith('.config.ts'))

function rowFor(file: string, rows: readonly Row[]): Row | undefined {
  return rows.filter((row) => covers(row.place, file)).sort((a, b) => b.place.length - a.place.length)[0]
}

/** Why an import breaks its row, or undefined when the row allows it. The longest matching entry wins. */
function breach(row: Row, { to, local }: Import): string | undefined {
  const longest = (entries: readonly string[]): number =>
    Math.max(-1, ...entries.filter((e) => (local ? isPath(e) && covers(e, to) : e === to)).map((e) => e.length))
  const allowed = longest(row.may)
  const refused = longest(row.never)
  if (refused > allowed) return `\`${row.place}\` never imports ${to}`
  if (local && allowed < 0) return `\`${row.place}\` may import only ${row.may.join(', ') || 'packages'}`
  return undefined
}

function violations(imports: readonly Import[], rows: readonly Row[]): string[] {
  return imports.flatMap((entry) => {
    const { from, to, line } = entry
    if (isExempt(from)) return []
    const row = rowFor(from, rows)
    if (!row) return [`${from}: no row of the map covers this file`]
    const why = breach(row, entry)
    return why ? [`${from}:${line} imports ${to}: ${why}`] : []
  })
}

/** Every cycle's files, in import order (Tarjan's strongly connected components, then one path round each). */
function cycles(imports: readonly Import[]): string[][] {
  const edges = new Map<string, Set<string>>()
  for (const { from, to, local } of imports) if (local) edges.set(from, (edges.get(from) ?? new Set()).add(to))
  const index = new Map<string, number>()
  const low = new Map<string, number>()
  const stack: string[] = []
  const components: string[][] = []
  const connect = (node: string): void => {
    index.set(node, index.size)
    low.set(node, index.get(node)!)
    stack.push(node)
    for (const next of edges.get(node) ?? []) {
      if (!index.has(next)) {
        connect(next)
        low.set(node, Math.min(low.get(node)!, low.get(next)!))
      } else if (stack.includes(next)) low.set(node, Math.min(low.get(node)!, index.get(next)!))
    }
    if (low.get(node) === index.get(node)) {
      const component: string[] = []
      let member: string
      do component.push((member = stack.pop()!))
      while (member !== node)
      if (component.length > 1 || edges.get(node)?.has(node)) components.push(component)
    }
  }
  for (const node of edges.keys()) if (!index.has(node)) connect(node)
  return components.map((component) => pathRound(component, edges))
}

/** A path from the component's first file back to itself, through the component only. */
function pathRound(component: readonly string[], edges: ReadonlyMap<string, ReadonlySet<string>>): string[] {
  const start = [...component].sort()[0]!
  const members = new Set(component)
  const previous = new Map<string, string>()
  const queue = [start]
  while (queue.length) {
    const node = queue.shift()!
    for (const next of edges.get(node) ?? []) {
      if (next === start) {
        const path = [node]
        while (path[0] !== start) path.unshift(previous.get(path[0]!)!)
        return [...path, start]
      }
      if (members.has(next) && !previous.has(next)) {
        previous.set(next, node)
        queue.push(next)
      }
    }
  }
  return [...component]
}

const ALL = sourceFiles().flatMap(importsOf)
const MAP = readMap()

test('docs/architecture.md has the map this test reads', () => {
  expect(MAP.map((row) => row.place)).toEqual(
    expect.arrayContaining(['lib/', 'lib/commands/', 'lib/config/', 'lib/main.ts', 'cli/', 'tasks/', 'tasks/steps/']),
  )
})

test('every import follows the map in docs/architecture.md', () => {
  expect(violations(ALL, MAP)).toEqual([])
})

test('no import cycle', () => {
  expect(cycles(ALL).map((cycle) => cycle.join(' → '))).toEqual([])
})

test('the map refuses what it should', () => {
  const at = (from: string, to: string): Import => ({ from, to, local: isPath(to), line: 1 })
  const refused = violations(
    [
      at('lib/exec/ssh.ts', 'tasks/steps/app.ts'),
      at('lib/run/summary.ts', 'cli/deploy.ts'),
      at('lib/commands/app.ts', 'lib/exec/executor.ts'),
      at('lib/commands/app.ts', 'zx'),
      at('lib/commands/app.ts', 'ssh2'),
      at('lib/commands/app.ts', 'listr2'),
      at('lib/config/load.ts', 'lib/context.ts'),
      at('lib/cli/flags.ts', 'lib/main.ts'),
      at('lib/proxy/caddy.ts', 'lib/main.ts'),
      at('tasks/steps/app.ts', 'cli/app.ts'),
    ],
    MAP,
  )
  expect(refused).toHaveLength(10)
  expect(violations([at('lib/commands/app.ts', 'lib/shell/command.ts'), at('cli/app.ts', 'lib/main.ts')], MAP)).toEqual(
    [],
  )
  const loop = [at('a/x.ts', 'a/y.ts'), at('a/y.ts', 'a/z.ts'), at('a/z.ts', 'a/x.ts'), at('a/z.ts', 'a/w.ts')]
  expect(cycles(loop)).toEqual([['a/x.ts', 'a/y.ts', 'a/z.ts', 'a/x.ts']])
})
