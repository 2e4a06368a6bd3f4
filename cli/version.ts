import { defineCommand } from '../lib/cli/command.ts'
import { packageVersion } from './package-version.ts'

/** `slipway version`: slipway's own version (Kamal's `version`). */
export const version = defineCommand({
  name: 'version',
  sharedFlags: false,
  run: async (_, io) => io.out(`${packageVersion()}\n`),
})
