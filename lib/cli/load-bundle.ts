import { createHash } from 'node:crypto'
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { basename, dirname, join } from 'node:path'
import { Script } from 'node:vm'

// The installed `slipway` command is one CommonJS file (dist/slipway.cjs, built by scripts/build.js).
// Node 20 has no compile cache of its own (module.enableCompileCache is Node 22), so this loads the
// file the way v8-compile-cache does: through vm.Script with V8's code cache, kept in
// node_modules/.cache/slipway. Parsing and compiling the bundle is most of what is left of start-up
// once the modules are one file (figures in docs/benchmarks.md).

/** What loadBundle did with the code cache: for tests and the benchmark. */
export type CacheUse = 'off' | 'used' | 'written' | 'rejected'

export interface LoadedBundle {
  readonly exports: Record<string, unknown>
  readonly cache: CacheUse
}

/**
 * Runs the CommonJS `file` and returns its exports. With a `cacheDir`, V8's code cache for the file is
 * read from there, or written there when the process exits (so it holds the functions the command
 * compiled, not only the top level). A cache dir that cannot be written is no error: the next run
 * compiles again. The cache's name holds a hash of the source, because V8 checks only its length.
 */
export function loadBundle(file: string, cacheDir: string | undefined): LoadedBundle {
  const source = readFileSync(file, 'utf8')
  const cacheFile = cacheDir && join(cacheDir, cacheName(source))
  const cachedData = cacheFile ? readOrUndefined(cacheFile) : undefined
  const script = new Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, {
    filename: file,
    cachedData,
  })
  const module = { exports: {} as Record<string, unknown> }
  const run = script.runInThisContext() as (...args: unknown[]) => void
  run(module.exports, createRequire(file), module, file, dirname(file))
  if (!cacheFile) return { exports: module.exports, cache: 'off' }
  if (cachedData && !script.cachedDataRejected) return { exports: module.exports, cache: 'used' }
  process.once('exit', () => save(cacheFile, script.createCachedData()))
  return { exports: module.exports, cache: cachedData ? 'rejected' : 'written' }
}

/**
 * Where the code cache of an installed package's bundle goes: `node_modules/.cache/slipway`, the
 * usual place for tools' caches, beside the package. Undefined (no cache) outside a node_modules
 * directory, and when NODE_DISABLE_COMPILE_CACHE is set (Node 22's switch for its own cache).
 */
export function cacheDirFor(file: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const modules = dirname(dirname(dirname(file)))
  if (env['NODE_DISABLE_COMPILE_CACHE'] || basename(modules) !== 'node_modules') return undefined
  return join(modules, '.cache', 'slipway')
}

function cacheName(source: string): string {
  const hash = createHash('sha1').update(source).digest('hex').slice(0, 16)
  return `slipway-${hash}-${process.version}-${process.arch}.v8cache`
}

function readOrUndefined(file: string): Buffer | undefined {
  try {
    return readFileSync(file)
  } catch {
    return undefined
  }
}

// Written whole under a temporary name, then renamed: a run that reads while another writes sees the
// old cache or the new one, never half of one. Caches of other versions of the bundle are removed.
function save(file: string, data: Buffer): void {
  try {
    const dir = dirname(file)
    mkdirSync(dir, { recursive: true })
    for (const old of readdirSync(dir)) if (old.endsWith('.v8cache')) rmSync(join(dir, old), { force: true })
    const partial = `${file}.${process.pid}.tmp`
    writeFileSync(partial, data)
    renameSync(partial, file)
  } catch {
    // A read-only install (a global prefix owned by root, an image's layer): start-up just compiles.
  }
}
