import { defineCommand, type Invocation } from '../lib/cli/command.ts'
import { EXEC_HELP, EXEC_OPTIONS, execSelection } from '../lib/cli/exec-flags.ts'
import { LOG_HELP, LOG_OPTIONS, logSelection } from '../lib/cli/log-flags.ts'
import { DeployError } from '../lib/errors.ts'
import {
  bootAccessory,
  rebootAccessory,
  removeAccessory,
  restartAccessory,
  startAccessory,
  stopAccessory,
} from '../tasks/steps/accessory.ts'
import { accessoryDetails, accessoryLogs, followAccessoryLogs } from '../tasks/steps/accessory-report.ts'
import { createAccessoryDirectories, uploadAccessoryFiles } from '../tasks/steps/accessory-files.ts'
import { accessoryExec } from '../tasks/steps/exec.ts'
import { withLock } from '../tasks/steps/lock.ts'
import { checkSecrets } from '../tasks/steps/secrets.ts'

/** Subcommands whose NAME may be `all` (Kamal 1.x). */
const TAKES_ALL = ['boot', 'reboot', 'details', 'remove']

/**
 * `slipway accessory SUBCOMMAND NAME`: Kamal 1.x's `kamal accessory …`. Everything that changes a
 * host holds the deploy lock, as Kamal's `mutating`; details and logs do not.
 */
export const accessory = defineCommand({
  name: 'accessory',
  args: ['NAME'],
  options: { ...LOG_OPTIONS, interactive: EXEC_OPTIONS.interactive, reuse: EXEC_OPTIONS.reuse },
  subcommandArgs: { exec: ['NAME', 'CMD...'] },
  interactive: ({ subcommand, options }) => subcommand === 'exec' && options.interactive,
  help: [
    ...EXEC_HELP.slice(0, 2),
    `  NAME                     the accessory (all: every one, for ${TAKES_ALL.join(', ')})`,
    ...LOG_HELP,
    '  remove asks first (-y/--confirmed: do not ask): it deletes the container, the image and the data directories',
  ],
  confirm: ({ subcommand, args: [name] }) =>
    subcommand === 'remove'
      ? `This deletes the container, image and data directories of ${name === 'all' ? 'every accessory' : name}. Sure?`
      : undefined,
  subcommands: {
    boot: (i) => [checkSecrets('registry', `accessory:${target(i)}`), withLock([bootAccessory(target(i))])],
    reboot: (i) => [checkSecrets('registry', `accessory:${target(i)}`), withLock([rebootAccessory(target(i))])],
    start: (i) => [withLock([startAccessory(target(i))])],
    stop: (i) => [withLock([stopAccessory(target(i))])],
    restart: (i) => [withLock([restartAccessory(target(i))])],
    details: (i) => [accessoryDetails(target(i))],
    exec: (i) => [accessoryExec(target(i), execSelection({ ...i.options, env: [] }, i.args.slice(1)))],
    logs: (i) => [(i.options.follow ? followAccessoryLogs : accessoryLogs)(target(i), logSelection(i.options))],
    remove: (i) => [withLock([removeAccessory(target(i))])],
    upload: (i) => [withLock([uploadAccessoryFiles(target(i))])],
    directories: (i) => [withLock([createAccessoryDirectories(target(i))])],
  },
})

/** NAME, checked against the subcommand: `all` only where Kamal takes it, `remove` only with -y. */
function target({ subcommand = '', args: [name = ''] }: Invocation): string {
  if (name === 'all' && !TAKES_ALL.includes(subcommand))
    throw new DeployError(`accessory ${subcommand} needs one accessory's NAME (all works for ${TAKES_ALL.join(', ')})`)
  return name
}
