#!/usr/bin/env node
// The `slipway` command. An installed package runs its compiled JavaScript (dist/); slipway's own
// checkout, where the TypeScript sources sit beside this file, runs them through tsx: no build needed.
import { existsSync } from 'node:fs'

const source = new URL('../cli/slipway.ts', import.meta.url)
let slipway
if (existsSync(source)) {
  const { register } = await import('tsx/esm/api')
  register()
  ;({ slipway } = await import(source.href))
} else {
  ;({ slipway } = await import('../dist/cli/slipway.js'))
}
process.exitCode = await slipway(process.argv.slice(2))
