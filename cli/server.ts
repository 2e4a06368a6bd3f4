import { defineCommand } from '../lib/cli/command.ts'
import { EXEC_OPTIONS, execSelection } from '../lib/cli/exec-flags.ts'
import { serverExec } from '../tasks/steps/exec.ts'

/** `slipway server exec CMD [-i]`: Kamal's `server exec`, a command on every app and accessory host. */
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
    exec: ({ options, args }) => [serverExec(execSelection({ ...options, reuse: false, env: [] }, args), args)],
  },
})
