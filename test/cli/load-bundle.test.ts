import { spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, expect, test } from 'vitest'
import { cacheDirFor } from '../../lib/cli/load-bundle.ts'

// The installed command's loader, run as the command runs it: a process of its own per start, since
// the cache is written when the process exits.
const ROOT = resolve(import.meta.dirname, '../..')
const dirs: string[] = []
afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })))

/** A package `node_modules/pkg` whose dist/cli.cjs reports `answer` (from a sibling file) and its own __dirname. */
function installed(answer: string): { bundle: string; modules: string } {
  const modules = join(mkdtempSync(join(tmpdir(), 'slipway-bundle-')), 'node_modules')
  dirs.push(modules)
  mkdirSync(join(modules, 'pkg/dist'), { recursive: true })
  const bundle = join(modules, 'pkg/dist/cli.cjs')
  writeFileSync(join(modules, 'pkg/dist/answer.cjs'), `module.exports = ${JSON.stringify(answer)}\n`)
  writeFileSync(
    bundle,
    `exports.report = () => [require('./answer.cjs'), __dirname, typeof module.exports].join(' ')\n`,
  )
  return { bundle, modules }
}

/** One start of the command: what the bundle reported, and what the loader did with the cache. */
function start(bundle: string, env: NodeJS.ProcessEnv = {}): string {
  const script = `
    const { loadBundle, cacheDirFor } = await import(${JSON.stringify(join(ROOT, 'lib/cli/load-bundle.ts'))})
    const { exports, cache } = loadBundle(process.argv[1], cacheDirFor(process.argv[1]))
    console.log(exports.report(), cache)`
  const result = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script, bundle], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { PATH: process.env.PATH, ...env },
  })
  expect(result.stderr).toBe('')
  return result.stdout.trim()
}

test('the first start writes the code cache beside the package, the next ones use it', () => {
  const { bundle, modules } = installed('42')
  const dist = join(modules, 'pkg/dist')
  expect(start(bundle)).toBe(`42 ${dist} object written`)
  const cached = readdirSync(join(modules, '.cache/slipway'))
  expect(cached).toEqual([expect.stringMatching(new RegExp(`^slipway-[0-9a-f]{16}-${process.version}-.*\\.v8cache$`))])
  expect(start(bundle)).toBe(`42 ${dist} object used`)
  expect(start(bundle)).toBe(`42 ${dist} object used`)
})

test('a changed bundle of the same length never runs from the old cache, whose file is replaced', () => {
  const { bundle, modules } = installed('42')
  expect(start(bundle)).toMatch(/ written$/)
  const before = readdirSync(join(modules, '.cache/slipway'))
  // V8 checks only the source's length: a cache found by length alone would run the old code.
  writeFileSync(
    bundle,
    `exports.report = () => [require('./answer.cjs'), __dirname, typeof module.exports].join('+')\n`,
  )
  expect(start(bundle)).toMatch(/^42\+.*\+object written$/)
  const after = readdirSync(join(modules, '.cache/slipway'))
  expect(after).toHaveLength(1)
  expect(after).not.toEqual(before)
  expect(start(bundle)).toMatch(/^42\+.*\+object used$/)
})

test('no cache outside node_modules, with NODE_DISABLE_COMPILE_CACHE, or where it cannot be written', () => {
  const { bundle, modules } = installed('7')
  expect(cacheDirFor(join(tmpdir(), 'pkg/dist/cli.cjs'))).toBeUndefined()
  expect(cacheDirFor(bundle, { NODE_DISABLE_COMPILE_CACHE: '1' })).toBeUndefined()
  expect(start(bundle, { NODE_DISABLE_COMPILE_CACHE: '1' })).toMatch(/^7 .* off$/)
  // A cache that cannot be written (a read-only install; here a file where the directory would go,
  // which stops root as well): the command still runs, and runs again, compiling each time.
  writeFileSync(join(modules, '.cache'), '')
  expect(start(bundle)).toMatch(/^7 .* written$/)
  expect(start(bundle)).toMatch(/^7 .* written$/)
})
