import { execFile } from 'node:child_process'
import { createHash } from 'node:crypto'
import { readFileSync, writeFileSync } from 'node:fs'
import { basename, join } from 'node:path'
import { promisify } from 'node:util'
import { SLIPWAY } from './app-repo.ts'

const run = promisify(execFile)

// The registry `npm ci` filled the cache from (this repo's lock names no other).
const REGISTRY = 'https://registry.npmjs.org/'

/** `npm pack` of this checkout into `dest` (prepack builds dist/ first); the tarball's path. */
export async function packSlipway(dest: string): Promise<string> {
  const { stdout } = await run('npm', ['pack', '--pack-destination', dest, '--loglevel', 'error'], {
    cwd: SLIPWAY,
    maxBuffer: 16 * 1024 * 1024,
  })
  return join(dest, stdout.trim().split('\n').pop()!)
}

interface LockEntry {
  readonly version?: string
  readonly dependencies?: Record<string, string>
  readonly optionalDependencies?: Record<string, string>
  readonly [key: string]: unknown
}

/**
 * Writes `dir/package.json` (dev dependencies: the tarball, and `also` at this checkout's versions)
 * and a package-lock.json that pins every package to the checkout's lock. npm then installs it all
 * from its cache (`npm ci` of the checkout filled it), without asking the registry for metadata:
 * `npm i --offline` works on a machine that never saw these packages' registry pages.
 */
export function pinnedApp(dir: string, tarball: string, also: readonly string[]): void {
  const lock = JSON.parse(readFileSync(join(SLIPWAY, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, LockEntry>
  }
  const own = JSON.parse(readFileSync(join(SLIPWAY, 'package.json'), 'utf8')) as {
    version: string
    dependencies: Record<string, string>
    bin: Record<string, string>
    engines: Record<string, string>
  }
  const packages: Record<string, LockEntry> = {}
  // Follows dependencies as node does: the nearest node_modules/<name> up from the dependent.
  const add = (path: string): void => {
    const entry = lock.packages[path]
    if (!entry || packages[path]) return
    const { dev: _dev, devOptional: _devOptional, ...rest } = entry
    // With the tarball's URL and integrity in the lock, npm takes it from its cache without metadata.
    const name = path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length)
    packages[path] = { resolved: `${REGISTRY}${name}/-/${name.split('/').pop()}-${entry.version}.tgz`, ...rest }
    for (const name of Object.keys({ ...entry.dependencies, ...entry.optionalDependencies })) add(nearest(path, name))
  }
  const nearest = (from: string, name: string): string => {
    for (let at = from; ; at = at.slice(0, Math.max(0, at.lastIndexOf('/node_modules/')))) {
      const candidate = `${at ? `${at}/` : ''}node_modules/${name}`
      if (lock.packages[candidate] || !at) return candidate
    }
  }
  for (const name of [...Object.keys(own.dependencies), ...also]) add(`node_modules/${name}`)
  const file = `file:${basename(tarball)}`
  const devDependencies = {
    slipway: file,
    ...Object.fromEntries(also.map((name) => [name, lock.packages[`node_modules/${name}`]!.version!])),
  }
  // As `npm init -y` writes it: a CommonJS package, where tsx compiles tasks/*.ts as CommonJS too.
  const manifest = { name: 'my-app', private: true, type: 'commonjs', devDependencies }
  writeFileSync(join(dir, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`)
  const integrity = `sha512-${createHash('sha512').update(readFileSync(tarball)).digest('base64')}`
  const slipway = {
    version: own.version,
    resolved: file,
    integrity,
    dependencies: own.dependencies,
    bin: own.bin,
    engines: own.engines,
  }
  const appLock = {
    name: 'my-app',
    lockfileVersion: 3,
    requires: true,
    packages: { '': { name: 'my-app', devDependencies }, 'node_modules/slipway': slipway, ...packages },
  }
  writeFileSync(join(dir, 'package-lock.json'), `${JSON.stringify(appLock, null, 2)}\n`)
}
