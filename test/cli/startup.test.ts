import { readFileSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import ts from 'typescript'
import { expect, test } from 'vitest'

const ROOT = resolve(import.meta.dirname, '../..')

/**
 * Every file and package a module loads before its first line runs: static imports and re-exports,
 * followed through this repo's files. `import type` is erased; `import { type X }` is not (under
 * verbatimModuleSyntax it stays as an import), and `import()` loads later, only when it runs.
 */
function staticGraph(entries: readonly string[]): { files: Set<string>; packages: Set<string> } {
  const files = new Set<string>()
  const packages = new Set<string>()
  const visit = (file: string): void => {
    if (files.has(file)) return
    files.add(file)
    const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest)
    for (const node of source.statements) {
      const specifier =
        ts.isImportDeclaration(node) && !node.importClause?.isTypeOnly
          ? node.moduleSpecifier
          : ts.isExportDeclaration(node) && !node.isTypeOnly
            ? node.moduleSpecifier
            : undefined
      if (!specifier || !ts.isStringLiteral(specifier)) continue
      const name = specifier.text
      if (name.startsWith('.')) visit(resolve(dirname(file), name))
      else if (!name.startsWith('node:')) packages.add(name)
    }
  }
  entries.forEach((entry) => visit(resolve(ROOT, entry)))
  return { files, packages }
}

test('`slipway config` loads neither ssh2, listr2 nor zx: they load when a run needs them', () => {
  const { packages } = staticGraph(['cli/slipway.ts', 'cli/config.ts'])
  expect([...packages].sort()).toEqual(['yaml', 'zod'])
})
