import type { Accessory, Config } from '../config/types.ts'
import { cmd, pipe, script, type Command } from '../shell/command.ts'
import { program } from './program.ts'
import { cmdWords, envArgs, labelArgs, loggingArgs, optionize } from './args.ts'
import { grepCommand } from './logs.ts'
import { absolutePath, accessoryEnvFilePath } from './naming.ts'

// Kamal's accessories: long-lived companion containers (databases, caches)
// named `<accessory service>`, booted by `setup` and never touched by `deploy`. Kamal mounts files
// and directories from `$PWD/<service>/…`; slipway takes `home` (the server's `pwd`, read once)
// so no builder relies on the remote shell expanding anything.

/** `<home>/<accessory service>`: where the accessory's files and relative directories live. */
const serviceDirectory = (accessory: Accessory, home: string): string => absolutePath(home, accessory.service)

/** `port: "3306"` → `3306:3306`; anything with a `:` is kept. */
const publishArg = (port: string): string => (port.includes(':') ? port : `${port}:${port}`)

/** Volumes in Kamal's order: `volumes:`, then `files:` (from the service dir), then `directories:`. */
function volumes(accessory: Accessory, home: string): string[] {
  const dir = serviceDirectory(accessory, home)
  return [
    ...accessory.volumes,
    ...accessory.files.map((f) => `${dir}${f.remote.startsWith('/') ? '' : '/'}${f.remote}:${f.remote}`),
    ...accessory.directories.map((d) => `${d.host.startsWith('/') ? d.host : `${dir}/${d.host}`}:${d.container}`),
  ]
}

/** Kamal's accessory `docker run` (logging from the root config, as Kamal). */
export function run(config: Config, accessory: Accessory, { home }: { home: string }): Command {
  // prettier-ignore
  return cmd(
    'docker', 'run', '--name', accessory.service, '--detach', '--restart', 'unless-stopped',
    loggingArgs(config.logging),
    accessory.port !== undefined && ['--publish', publishArg(accessory.port)],
    envArgs(accessory.env, accessoryEnvFilePath(config, accessory)),
    volumes(accessory, home).flatMap((v) => ['--volume', v]),
    labelArgs({ service: accessory.service, ...accessory.labels }),
    optionize(accessory.options),
    accessory.image,
    cmdWords(accessory.cmd),
  )
}

/** `docker container start <service>` */
export const start = (config: Config, accessory: Accessory): Command =>
  cmd('docker', 'container', 'start', accessory.service)

/** `docker container stop <service>` */
export const stop = (config: Config, accessory: Accessory): Command =>
  cmd('docker', 'container', 'stop', accessory.service)

/** `docker ps --filter label=service=<service>` */
export const details = (config: Config, accessory: Accessory): Command =>
  cmd('docker', 'ps', '--filter', `label=service=${accessory.service}`)

/** `docker logs <service> [--since S] [--tail N] --timestamps [--follow] 2>&1 [| grep [opts] -- PATTERN]` */
export function logs(
  config: Config,
  accessory: Accessory,
  {
    since,
    lines,
    grep,
    grepOptions,
    follow = false,
  }: { since?: string; lines?: number; grep?: string; grepOptions?: string; follow?: boolean } = {},
): Command {
  const read = script(
    'docker logs "$@" 2>&1',
    accessory.service,
    ...(since === undefined ? [] : ['--since', since]),
    ...(lines === undefined ? [] : ['--tail', String(lines)]),
    '--timestamps',
    ...(follow ? ['--follow'] : []),
  )
  return grep === undefined ? read : pipe(read, grepCommand(grep, grepOptions, follow))
}

/** `docker exec [-it] <service> CMD…`, or with `fresh` a new `docker run [-it] --rm` container with the accessory's env and volumes. */
export function exec(
  config: Config,
  accessory: Accessory,
  {
    command,
    home,
    interactive = false,
    fresh = false,
  }: { command: readonly string[]; home: string; interactive?: boolean; fresh?: boolean },
): Command {
  if (!fresh) return cmd('docker', 'exec', interactive && '-it', accessory.service, ...command)
  // prettier-ignore
  return cmd('docker', 'run', interactive && '-it', '--rm', envArgs(accessory.env, accessoryEnvFilePath(config, accessory)),
    volumes(accessory, home).flatMap((v) => ['--volume', v]), accessory.image, ...command)
}

/** `mkdir -p` of every host path of `directories:` (relative ones under the service dir), before boot. */
export function directories(config: Config, accessory: Accessory, { home }: { home: string }): Command | undefined {
  const dir = serviceDirectory(accessory, home)
  const paths = accessory.directories.map((d) => (d.host.startsWith('/') ? d.host : `${dir}/${d.host}`))
  return paths.length === 0 ? undefined : cmd('mkdir', '-p', ...paths)
}

/** The host path a `files:` entry is uploaded to (mounted at `remote`). */
export const filePath = (accessory: Accessory, home: string, remote: string): string =>
  `${serviceDirectory(accessory, home)}${remote.startsWith('/') ? '' : '/'}${remote}`

/** Writes stdin to `path` (mode 755, as Kamal's upload + chmod), creating its directory: the upload of one `files:` entry. */
export const uploadFile = (path: string): Command =>
  script('mkdir -p "$(dirname "$1")" && cat > "$1" && chmod 755 "$1"', path)

/** `docker container prune --force --filter label=service=<service>` (after stop). */
export const removeContainer = (config: Config, accessory: Accessory): Command =>
  cmd('docker', 'container', 'prune', '--force', '--filter', `label=service=${accessory.service}`)

const REMOVE = program<'name' | 'image' | 'dir'>('accessory-remove.sh')
const PREPARE = program<'name' | 'envfile'>('accessory-prepare.sh')

/** `accessory remove` in one round trip: stop, remove the container and image, delete the service dir; each step runs even if an earlier one failed (already gone). */
export const remove = (config: Config, accessory: Accessory, params: { home: string }): Command =>
  REMOVE({ name: accessory.service, image: accessory.image, dir: serviceDirectory(accessory, params.home) })

/**
 * Everything a host needs before its uploads, in ONE round trip (sh/accessory-prepare.sh): the env
 * file from stdin (mode 600), `directories:` (relative ones under `<service>/`, since ssh commands
 * start in the user's home), then `home` and the state of an existing container. Run it with
 * `{ stdin: envFileContent(accessory.env) }`; read the answer with `parsePrepare`.
 */
export function bootPrepare(config: Config, accessory: Accessory): Command {
  const dirs = accessory.directories.map((d) =>
    d.host.startsWith('/') ? d.host : `${accessory.service}/${d.host.replace(/^\.\//, '')}`,
  )
  return PREPARE({ name: accessory.service, envfile: accessoryEnvFilePath(config, accessory) }, dirs)
}

/** `bootPrepare`'s answer: the ssh user's home, and the state of an existing container (undefined when none). */
export function parsePrepare(stdout: string): { home: string; state: string | undefined } {
  const value = (key: string): string | undefined =>
    stdout
      .split('\n')
      .find((l) => l.startsWith(`${key}=`))
      ?.slice(key.length + 1)
      .replace(/\r$/, '')
  const home = value('home')
  if (home === undefined)
    throw new Error(`unexpected accessory prepare output: ${JSON.stringify(stdout.slice(0, 200))}`)
  return { home, state: value('state') || undefined }
}
