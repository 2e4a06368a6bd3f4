import { existsSync, readFileSync } from 'node:fs'

// package.json is one level up from the sources (cli/) and two from the compiled files (dist/cli/).
/** slipway's version, from its package.json. */
export function packageVersion(): string {
  const file = ['../package.json', '../../package.json']
    .map((path) => new URL(path, import.meta.url))
    .find((url) => existsSync(url))
  return file ? (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version : 'unknown'
}
