import type { Config, Role } from '../config/types.ts'
import { and, cmd, opt, or, pipe, type Command } from '../shell/command.ts'
import { program } from './program.ts'
import { filterArgs } from './args.ts'
import { containerPrefix, latestImage } from './naming.ts'

// Which containers of a role exist and which one is "current": the newest running
// container of the `latest[-dest]` image, else the newest running one (sh/include/current-container.sh).

const CURRENT = program<'ref' | 'prefix' | 'print'>('current-container.sh')
const VERSIONS = program<'prefix'>('versions.sh')
const STALE = program<'ref' | 'prefix' | 'stop' | 'stop_wait'>('stale-containers.sh')

const current = (config: Config, role: Role, print: 'id' | 'name' | 'version'): Command =>
  CURRENT({ ref: latestImage(config), prefix: containerPrefix(config, role), print }, filterArgs(config, { role }))

/** `docker container ls --all --filter name=^NAME$ --quiet` (running only with `onlyRunning`). */
export const containerIdFor = (name: string, { onlyRunning = false }: { onlyRunning?: boolean } = {}): Command =>
  cmd('docker', 'container', 'ls', !onlyRunning && '--all', '--filter', `name=^${name}$`, '--quiet')

/** Prints the id of the role's current container, or nothing. */
export const currentRunningContainer = (config: Config, role: Role): Command => current(config, role, 'id')

/** Prints the version of the role's current container (its name minus `<service>-<role>[-<dest>]-`), or nothing. */
export const currentRunningVersion = (config: Config, role: Role): Command => current(config, role, 'version')

/** Versions of the role's containers, one per line: running ones, or every state with `all`, or the newest with `latest`. */
export const listVersions = (
  config: Config,
  role: Role,
  { all = false, latest = false }: { all?: boolean; latest?: boolean } = {},
): Command =>
  VERSIONS({ prefix: containerPrefix(config, role) }, [
    ...(all ? ['--all'] : []),
    ...(latest ? ['--latest'] : []),
    ...filterArgs(config, { role }),
  ])

/**
 * Versions of running containers that are not the current one (Kamal's `app stale_containers`),
 * one per line. With `stop`, each is also stopped (`docker stop [-t N]`) and its version still printed.
 */
export function staleContainers(
  config: Config,
  role: Role,
  { stop = false, stopWaitTime = config.stopWaitTime }: { stop?: boolean; stopWaitTime?: number | undefined } = {},
): Command {
  return STALE(
    { ref: latestImage(config), prefix: containerPrefix(config, role), stop, stop_wait: stopWaitTime },
    filterArgs(config, { role }),
  )
}

/**
 * `docker stop [-t N] <names…>` of the containers a boot retires: every container of the role that
 * ran before it (the boot's prepare listed them, so nothing is looked up again), but the new one.
 * That is the old one, a same-version one renamed aside (`_replaced_`), and any a run which lost this
 * host started and never routed. Undefined when there is nothing to stop.
 */
export const stopContainers = (
  config: Config,
  names: readonly string[],
  { stopWaitTime = config.stopWaitTime }: { stopWaitTime?: number | undefined } = {},
): Command | undefined => (names.length === 0 ? undefined : cmd('docker', 'stop', ...opt('-t', stopWaitTime), ...names))

/**
 * A redeploy of the same version that failed before its cutover: the new container `name` (if any)
 * steps aside as `failed`, and the old one, renamed aside by the prepare, takes `name` back, so the
 * proxy, which reaches it by that name, finds it again.
 */
export const restoreRenamed = (name: string, renamed: string, failed: string): Command =>
  and(or(cmd('docker', 'rename', name, failed), cmd('true')), cmd('docker', 'rename', renamed, name))

/** `<current id> | xargs -r docker stop [-t N]`: stops the role's current container (Kamal's `app stop`). */
export const stopCurrent = (
  config: Config,
  role: Role,
  { stopWaitTime = config.stopWaitTime }: { stopWaitTime?: number | undefined } = {},
): Command =>
  pipe(
    currentRunningContainer(config, role),
    cmd('xargs', '-r', 'docker', 'stop', ...(stopWaitTime === undefined ? [] : ['-t', String(stopWaitTime)])),
  )
