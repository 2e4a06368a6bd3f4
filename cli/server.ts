import { defineCommand } from '../lib/cli/command.ts'
import { EXEC_OPTIONS, execSelection } from '../lib/cli/exec-flags.ts'
import { serverExec } from '../tasks/steps/exec.ts'
import { withLock } from '../tasks/steps/lock.ts'
import { bootstrapServers } from '../tasks/steps/server.ts'

/**
 * `slipway server bootstrap|exec`: Kamal's `server`. bootstrap installs Docker and the run directory
 * on every host; `exec CMD` runs a command on every app and accessory host.
 */
export const server = defineCommand({
  name: 'server',
  options: { interactive: EXEC_OPTIONS.interactive },
  subcommandArgs: { exec: ['CMD...'] },
  help: [
    '  -i, --interactive        exec: a terminal on the primary host (or the one selected host)',
    '  exec CMD runs CMD with sh on each host; after --, the words are run as they are, with no shell',
  ],
  interactive: ({ subcommand, options }) => subcommand === 'exec' && options.interactive,
  subcommands: {
    bootstrap: () => [withLock([bootstrapServers()])],
    exec: ({ options, args }) => [serverExec(execSelection({ ...options, reuse: false, env: [] }, args), args)],
  },
})
