import { defineCommand } from '../lib/cli/command.ts'
import { DeployError } from '../lib/errors.ts'
import { lockAcquire, lockRelease, lockStatus } from '../tasks/steps/lock-commands.ts'

/** `slipway lock status|acquire -m MESSAGE|release`: the deploy lock on the primary host, by hand. */
export const lock = defineCommand({
  name: 'lock',
  options: { message: { type: 'string', short: 'm' } },
  help: ['  -m, --message TEXT       acquire: why the lock is held (required)'],
  subcommands: {
    status: () => [lockStatus()],
    acquire: ({ options: { message } }) => {
      if (message === undefined || message.trim() === '')
        throw new DeployError('lock acquire needs a message: -m MESSAGE')
      return [lockAcquire(message)]
    },
    release: () => [lockRelease()],
  },
})
