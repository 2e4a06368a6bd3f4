import type { DeployTask, Flags } from '../../lib/context.ts'
import { DeployError } from '../../lib/errors.ts'
import type { EntryOptions } from '../../lib/main.ts'
import {
  bootAccessory,
  rebootAccessory,
  removeAccessory,
  restartAccessory,
  startAccessory,
  stopAccessory,
} from './accessory.ts'
import { accessoryDetails, accessoryLogs } from './accessory-report.ts'
import { withLock } from './lock.ts'
import { LOG_HELP, LOG_OPTIONS } from '../../lib/cli/log-flags.ts'
import { checkSecrets } from './secrets.ts'

// `tasks/accessory.ts SUBCOMMAND NAME`: Kamal 1.x's `kamal accessory …`. Everything that changes a
// host holds the deploy lock, as Kamal's `mutating`; details and logs do not.

/** The subcommands of `tasks/accessory.ts`. */
export const ACCESSORY_SUBCOMMANDS = [
  'boot',
  'reboot',
  'start',
  'stop',
  'restart',
  'details',
  'logs',
  'remove',
] as const

/** One of {@link ACCESSORY_SUBCOMMANDS}. */
export type AccessorySubcommand = (typeof ACCESSORY_SUBCOMMANDS)[number]

/** Subcommands whose NAME may be `all` (Kamal 1.x). */
const TAKES_ALL: readonly AccessorySubcommand[] = ['boot', 'reboot', 'details', 'remove']

/** Entry options of `tasks/accessory.ts`. */
export const accessoryEntry: EntryOptions = {
  command: 'accessory',
  usage: `tasks/accessory.ts ${ACCESSORY_SUBCOMMANDS.join('|')} NAME [flags]   (NAME may be all for ${TAKES_ALL.join(', ')})`,
  subcommands: ACCESSORY_SUBCOMMANDS,
  options: { ...LOG_OPTIONS },
  help: [...LOG_HELP, '  remove asks for -y/--confirmed: it deletes the container, the image and the data directories'],
}

/** The steps of one `accessory` subcommand for NAME (the second positional argument). */
export function accessorySteps(flags: Flags): DeployTask[] {
  const [sub, name, ...rest] = flags.args as [AccessorySubcommand | undefined, string | undefined, ...string[]]
  if (sub === undefined || !ACCESSORY_SUBCOMMANDS.includes(sub)) {
    throw new DeployError(
      `${sub === undefined ? 'missing subcommand' : `unknown subcommand ${sub}`}: use one of ${ACCESSORY_SUBCOMMANDS.join(', ')} (see --help)`,
    )
  }
  if (name === undefined)
    throw new DeployError(`accessory ${sub} needs the accessory's NAME${TAKES_ALL.includes(sub) ? ' (or all)' : ''}`)
  if (rest.length > 0) throw new DeployError(`accessory ${sub} takes one NAME, got also: ${rest.join(' ')}`)
  if (name === 'all' && !TAKES_ALL.includes(sub))
    throw new DeployError(`accessory ${sub} needs one accessory's NAME (all works for ${TAKES_ALL.join(', ')})`)
  if (sub === 'remove' && !flags.confirmed) {
    throw new DeployError(
      `accessory remove deletes the container, image and data directories of ${name === 'all' ? 'every accessory' : name}: run it again with -y (--confirmed) to go ahead`,
    )
  }
  const str = (key: string): string | undefined =>
    typeof flags.extra[key] === 'string' ? (flags.extra[key] as string) : undefined
  const lines = str('lines')
  if (lines !== undefined && !/^\d+$/.test(lines)) throw new DeployError(`--lines must be a whole number, got ${lines}`)
  const steps: Record<AccessorySubcommand, () => DeployTask[]> = {
    boot: () => [checkSecrets('registry', `accessory:${name}`), withLock([bootAccessory(name)])],
    reboot: () => [checkSecrets('registry', `accessory:${name}`), withLock([rebootAccessory(name)])],
    start: () => [withLock([startAccessory(name)])],
    stop: () => [withLock([stopAccessory(name)])],
    restart: () => [withLock([restartAccessory(name)])],
    details: () => [accessoryDetails(name)],
    logs: () => [
      accessoryLogs(name, {
        since: str('since'),
        lines: lines === undefined ? undefined : Number(lines),
        grep: str('grep'),
        grepOptions: str('grep-options'),
      }),
    ],
    remove: () => [withLock([removeAccessory(name)])],
  }
  return steps[sub]()
}
