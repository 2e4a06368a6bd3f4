import type { Config } from '../config/types.ts'
import { and, cmd, script, type Command } from '../shell/command.ts'
import { lockDir } from './naming.ts'

// The deploy lock: an atomic `mkdir` of <run_directory>/locks/<service>[-<dest>] on
// the primary host, with base64 details inside. A second deployer's mkdir fails with "File exists".

/** The fields of the lock details; `at` is an ISO 8601 UTC time chosen by the caller. */
export interface LockInfo {
  readonly by: string
  readonly at: string
  readonly version: string
  readonly message: string
}

/** Kamal's details text: `Locked by: <who> at <iso>\nVersion: <v>\nMessage: <msg>`. */
export const lockDetails = ({ by, at, version, message }: LockInfo): string =>
  `Locked by: ${by} at ${at}\nVersion: ${version}\nMessage: ${message}`

/**
 * `mkdir -p <run>/locks && mkdir <lockdir> && echo <base64 details> > <lockdir>/details`.
 * Fails (stderr "mkdir: cannot create directory …: File exists") when the lock is held.
 */
export const acquire = (config: Config, { details }: { details: string }): Command =>
  script(
    'mkdir -p "$1" && mkdir "$2" && echo "$3" > "$2/details"',
    `${config.runDirectory}/locks`,
    lockDir(config),
    Buffer.from(details, 'utf8').toString('base64'),
  )

/** `rm <lockdir>/details && rm -r <lockdir>` */
export const release = (config: Config): Command =>
  and(cmd('rm', `${lockDir(config)}/details`), cmd('rm', '-r', lockDir(config)))

/** `stat <lockdir> > /dev/null && cat <lockdir>/details | base64 -d`: prints the details; fails with "No such file or directory" when unlocked. */
export const status = (config: Config): Command =>
  script('stat "$1" > /dev/null && cat "$1/details" | base64 -d', lockDir(config))
