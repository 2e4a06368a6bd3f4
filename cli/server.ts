import { defineCommand } from '../lib/cli/command.ts'
import { withLock } from '../tasks/steps/lock.ts'
import { bootstrapServers } from '../tasks/steps/server.ts'

/** `slipway server bootstrap`: Docker and the run directory on every host (Kamal's `server`). */
export const server = defineCommand({
  name: 'server',
  subcommands: {
    bootstrap: () => [withLock([bootstrapServers()])],
  },
})
