#!/usr/bin/env node
// The `slipway` command. An installed package runs its bundled JavaScript (dist/slipway.cjs, with V8's
// code cache: lib/cli/load-bundle.ts); slipway's own checkout, where the TypeScript sources sit beside
// this file, runs them through tsx: no build needed.
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const source = new URL('../cli/slipway.ts', import.meta.url)
let slipway
if (existsSync(source)) {
  const { register } = await import('tsx/esm/api')
  register()
  ;({ slipway } = await import(source.href))
} else {
  const { loadBundle, cacheDirFor } = await import('../dist/lib/cli/load-bundle.js')
  const bundle = fileURLToPath(new URL('../dist/slipway.cjs', import.meta.url))
  ;({ slipway } = loadBundle(bundle, cacheDirFor(bundle)).exports)
}
process.exitCode = await slipway(process.argv.slice(2))
