import type { Config, Role } from '../config/types.ts'
import { cmd, pipe, script, type Command } from '../shell/command.ts'
import { filterArgs } from './args.ts'
import { containerPrefix, latestImage } from './naming.ts'

// Which containers of a role exist and which one is "current" (kamal.md §2.6): the newest running
// container of the `latest[-dest]` image, else the newest running one. The latest tag only moves
// after a deploy succeeded on every host, so it survives a half-failed deploy that left a
// crash-looping newer container behind.
//
// The scripts below are fixed text; every value (image, prefix, filters) arrives as a positional
// parameter. In them `$ref` is the latest image and `"$@"` the service/destination/role filters.

const ACTIVE = '--filter status=running --filter status=restarting'

/**
 * Shell text printing the current container (id or name) of the filters in "$@". The fallback
 * `docker ps` runs only when the latest image has no running container: each docker call costs
 * 50 ms or more on a busy server, and this sits on every deploy's critical path.
 */
export const currentSnippet = (format: '--quiet' | '--format "{{.Names}}"'): string =>
  `{ _img=$(docker image ls --filter "reference=$ref" --format "{{.ID}}" | head -n 1); _cur=; ` +
  `if [ -n "$_img" ]; then _cur=$(docker ps --latest ${format} "$@" ${ACTIVE} --filter "ancestor=$_img" | head -n 1); fi; ` +
  `if [ -n "$_cur" ]; then printf "%s\\n" "$_cur"; else docker ps --latest ${format} "$@" ${ACTIVE} | head -n 1; fi; }`

/** Shell text: `$line` (a container name) minus `$p-`, i.e. the version. */
const STRIP = 'while read -r line; do printf "%s\\n" "${line#"$p-"}"; done'

/** `docker container ls --all --filter name=^NAME$ --quiet` (running only with `onlyRunning`). */
export const containerIdFor = (name: string, { onlyRunning = false }: { onlyRunning?: boolean } = {}): Command =>
  cmd('docker', 'container', 'ls', !onlyRunning && '--all', '--filter', `name=^${name}$`, '--quiet')

/** Prints the id of the role's current container, or nothing. */
export const currentRunningContainer = (config: Config, role: Role): Command =>
  script(`ref=$1; shift; ${currentSnippet('--quiet')}`, latestImage(config), ...filterArgs(config, { role }))

/** Prints the name of the role's current container, or nothing. */
export const currentRunningName = (config: Config, role: Role): Command =>
  script(
    `ref=$1; shift; ${currentSnippet('--format "{{.Names}}"')}`,
    latestImage(config),
    ...filterArgs(config, { role }),
  )

/** Prints the version of the role's current container (its name minus `<service>-<role>[-<dest>]-`), or nothing. */
export const currentRunningVersion = (config: Config, role: Role): Command =>
  script(
    `p=$1 ref=$2; shift 2; ${currentSnippet('--format "{{.Names}}"')} | ${STRIP}`,
    containerPrefix(config, role),
    latestImage(config),
    ...filterArgs(config, { role }),
  )

/** Versions of the role's containers, one per line: running ones, or every state with `all`, or the newest with `latest`. */
export const listVersions = (
  config: Config,
  role: Role,
  { all = false, latest = false }: { all?: boolean; latest?: boolean } = {},
): Command =>
  script(
    `p=$1; shift; docker ps "$@" --format "{{.Names}}" | ${STRIP}`,
    containerPrefix(config, role),
    ...(all ? ['--all'] : []),
    ...(latest ? ['--latest'] : []),
    ...filterArgs(config, { role }),
  )

/**
 * Versions of running containers that are not the current one (Kamal's `app stale_containers`),
 * one per line. With `stop`, each is also stopped (`docker stop [-t N]`) and its version still printed.
 */
export function staleContainers(
  config: Config,
  role: Role,
  { stop = false, stopWaitTime = config.stopWaitTime }: { stop?: boolean; stopWaitTime?: number | undefined } = {},
): Command {
  const stopIt = stop ? ` && docker stop ${stopWaitTime === undefined ? '' : '-t "$t" '}"$line" >/dev/null` : ''
  return script(
    `p=$1 ref=$2 t=$3; shift 3; cur=$(${currentSnippet('--format "{{.Names}}"')}); ` +
      `docker ps --format "{{.Names}}" "$@" | while read -r line; do ` +
      `[ "$line" = "$cur" ] || { printf "%s\\n" "\${line#"$p-"}"${stopIt}; }; done`,
    containerPrefix(config, role),
    latestImage(config),
    stopWaitTime === undefined ? '' : String(stopWaitTime),
    ...filterArgs(config, { role }),
  )
}

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
