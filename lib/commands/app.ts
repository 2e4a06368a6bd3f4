import type { Config, Env, Role } from '../config/types.ts'
import { cmd, pipe, script, type Arg, type Command } from '../shell/command.ts'
import { program } from './program.ts'
import { andAll, cmdWords, envArgs, filterArgs, labelArgs, loggingArgs, optionize } from './args.ts'
import { tieCord } from './cord.ts'
import { EARLY_CHECK_SECONDS } from './health.ts'
import { absoluteImage, containerName, envFilePath, hostnameFor, latestImage } from './naming.ts'
import * as registry from './registry.ts'
import { containerIdFor } from './versions.ts'

// The app container's lifecycle (Kamal's Commands::App and its Containers/Execution/Images/Logging
// mixins). Lookups of the current container live in versions.ts, health polling in health.ts,
// the batched pre-boot step in boot.ts; the ones the boot step uses are re-exported here.
export { bootPrepare, parsePrepare, type Prepared } from './boot.ts'
export { logs } from './logs.ts'
export {
  containerIdFor,
  currentRunningContainer,
  currentRunningVersion,
  listVersions,
  staleContainers,
  restoreRenamed,
  stopContainers,
  stopCurrent,
} from './versions.ts'

/** What `run` needs besides config and role. */
export interface RunParams {
  readonly version: string
  /** The host the container runs on (its hostname prefix; tag envs differ per host). */
  readonly host: string
  /** 12 hex chosen by the caller, as Kamal's `SecureRandom.hex(6)`. */
  readonly hostnameSuffix: string
  /** The role's env merged for this host (root < role < host tags). */
  readonly env: Env
  /** Absolute cord dir on the host; set → the cord is tied and mounted, and the health check needs it. */
  readonly cordHostDir?: string | undefined
  /** Absolute asset volume dir on the host, mounted at the role's asset_path. */
  readonly assetHostDir?: string | undefined
  readonly network?: string | undefined
  /** Proxy labels (e.g. traefik routers): after service/role/destination, before custom labels. */
  readonly labels?: Readonly<Record<string, string>> | undefined
  /** Proxy docker run arguments, before the role's options. */
  readonly extraArgs?: readonly Arg[] | undefined
  /**
   * The engine runs health checks at a start interval (Engine 25+, see health.ts `earlyCheck`): with
   * the role's health arguments, checks every EARLY_CHECK_SECONDS during a start period of one interval.
   */
  readonly startInterval?: boolean | undefined
}

/**
 * Kamal's `docker run` of an app container. With `cordHostDir`, this is
 * `mkdir -p DIR && touch DIR/cord && docker run …` so the cord is always tied before the container
 * that checks it starts (one round trip).
 */
export function run(config: Config, role: Role, params: RunParams): Command {
  const { docker, cord } = dockerCommand(config, role, params, ['run', '--detach'])
  return cord ? andAll(tieCord(cord), docker) : docker
}

const CREATE_WITH_CORD = program<'cord'>('create-with-cord.sh')

/**
 * `docker create` with exactly `run`'s arguments minus `--detach`: the image config, filesystem and
 * name are set up while nothing runs yet; `start` runs it. The cord is tied first, as in `run`. A
 * relative `cordHostDir` is resolved on the host under the working directory (the ssh user's home,
 * as Kamal's `$(pwd)/…`), so a create that shares a round trip with `bootPrepare` need not know home.
 */
export function create(config: Config, role: Role, params: RunParams): Command {
  const { docker, cord } = dockerCommand(config, role, params, ['create'])
  if (!cord) return docker
  if (cord.startsWith('/') || docker.kind !== 'exec') return andAll(tieCord(cord), docker)
  return CREATE_WITH_CORD({ cord }, docker.argv)
}

/** `docker <subcommand…> <run's arguments>`, and the cord host dir to tie before it (if any). */
function dockerCommand(
  config: Config,
  role: Role,
  params: RunParams,
  subcommand: readonly string[],
): { docker: Command; cord: string | undefined } {
  const {
    version,
    host,
    hostnameSuffix,
    env,
    cordHostDir,
    assetHostDir,
    network,
    labels = {},
    extraArgs = [],
    startInterval,
  } = params
  const name = containerName(config, role, version)
  const cord =
    cordHostDir !== undefined && role.healthcheck.cord !== false
      ? { host: cordHostDir, container: role.healthcheck.cord }
      : undefined
  const hc = role.healthcheck
  // prettier-ignore
  const docker = cmd(
    'docker', ...subcommand, '--restart', 'unless-stopped',
    '--name', name,
    network !== undefined && ['--network', network],
    '--hostname', hostnameFor(host, hostnameSuffix),
    '-e', `KAMAL_CONTAINER_NAME=${name}`, '-e', `KAMAL_VERSION=${version}`,
    '-e', `SLIPWAY_CONTAINER_NAME=${name}`, '-e', `SLIPWAY_VERSION=${version}`,
    envArgs(env, envFilePath(config, role)),
    role.healthArgs && [
      '--health-cmd', healthCommand(role, cord?.container),
      '--health-interval', hc.interval,
      ...(startInterval ? ['--health-start-period', hc.interval, '--health-start-interval', `${EARLY_CHECK_SECONDS}s`] : []),
      ...(cord ? ['--volume', `${cord.host}:${cord.container}`] : []),
    ],
    loggingArgs(role.logging),
    config.volumes.flatMap((v) => ['--volume', v]),
    assetHostDir !== undefined && role.assetPath !== undefined && ['--volume', `${assetHostDir}:${role.assetPath}`],
    labelArgs({ service: config.service, role: role.name, destination: config.destination, ...labels, ...config.labels, ...role.labels }),
    extraArgs,
    optionize(role.options),
    absoluteImage(config, version),
    cmdWords(role.cmd),
  )
  return { docker, cord: cord && role.healthArgs ? cord.host : undefined }
}

/** The `--health-cmd` of a role's container: its healthcheck command, and with a cord (at `cord` in the container) the cord's check too. */
export const healthCommand = (role: Role, cord: string | undefined): string =>
  cord ? `(${role.healthcheck.cmd}) && (stat ${cord}/cord > /dev/null || exit 1)` : role.healthcheck.cmd

/** `docker start <name>` (Kamal's `app start`: no wait); also starts a container `create` made before the barrier opened. */
export const start = (config: Config, role: Role, version: string): Command =>
  cmd('docker', 'start', containerName(config, role, version))

/** `docker stop [-t N] <name>`; stop_wait_time unset → docker's own 10 s, as Kamal. */
export const stopContainer = (
  config: Config,
  name: string,
  { stopWaitTime = config.stopWaitTime }: { stopWaitTime?: number | undefined } = {},
): Command => cmd('docker', 'stop', stopWaitTime !== undefined && ['-t', String(stopWaitTime)], name)

/** `docker container ls … name=^NAME$ --quiet | xargs -r docker stop [-t N]`: stops one version, if it exists. */
export const stop = (
  config: Config,
  role: Role,
  { version, stopWaitTime = config.stopWaitTime }: { version: string; stopWaitTime?: number | undefined },
): Command =>
  pipe(
    containerIdFor(containerName(config, role, version)),
    cmd('xargs', '-r', 'docker', 'stop', stopWaitTime !== undefined && ['-t', String(stopWaitTime)]),
  )

/** `docker tag <repo>:<version> <repo>:latest[-dest]`, run once every host booted. */
export const tagLatest = (config: Config, version: string): Command =>
  cmd('docker', 'tag', absoluteImage(config, version), latestImage(config))

/**
 * Kamal's `build pull` on a host, without its `docker image rm --force IMG` first: `docker pull IMG`,
 * then the check that the image carries `LABEL service=<service>`. The pull asks the registry for the
 * tag either way and fails the same way when it cannot, so the removal only cost a docker call and
 * an image operation on every host, on the deploy's critical path. With `labelled` (this run built
 * the image, and every build sets that label) the check is left out: it would cost every host a
 * docker call to learn what the build already says.
 */
export function pull(config: Config, version: string, { labelled = false }: { labelled?: boolean } = {}): Command {
  const image = absoluteImage(config, version)
  if (labelled) return cmd('docker', 'pull', image)
  // Something else may remove the image between this pull and the check (another deploy's prune, an
  // older slipway's or Kamal's `image rm` before its pull): one more pull settles it.
  const check = script(
    `label() { docker inspect -f "{{ .Config.Labels.service }}" "$1"; }; ` +
      `s=$(label "$1" 2>/dev/null) || { docker pull -q "$1" >/dev/null && s=$(label "$1"); } || exit 1; ` +
      `[ "$s" = "$2" ] || { echo "Image $1 is missing the 'service' label" >&2; exit 1; }`,
    image,
    config.service,
  )
  return andAll(cmd('docker', 'pull', image), check)
}

/** `docker ps` of the role's containers (Kamal's `app details`). */
export const details = (config: Config, role: Role): Command => cmd('docker', 'ps', filterArgs(config, { role }))

/** Every container of the service (any state), optionally of one role. */
export const containers = (config: Config, role?: Role): Command =>
  cmd('docker', 'container', 'ls', '--all', filterArgs(config, { role }))

/** `docker image ls <repository>` */
export const images = (config: Config): Command => cmd('docker', 'image', 'ls', config.repository)

/** `docker container prune --force` of the role's stopped containers (`app remove`, after stop). */
export const removeContainers = (config: Config, role: Role): Command =>
  cmd('docker', 'container', 'prune', '--force', filterArgs(config, { role }))

/** `<id of NAME> | xargs -r docker container rm`: removes one version's container. */
export const removeContainer = (config: Config, role: Role, version: string): Command =>
  pipe(containerIdFor(containerName(config, role, version)), cmd('xargs', '-r', 'docker', 'container', 'rm'))

/** `docker image prune --all --force --filter label=service=S`: every image of the service not used by a container. */
export const removeImages = (config: Config): Command =>
  cmd('docker', 'image', 'prune', '--all', '--force', '--filter', `label=service=${config.service}`)

/** What `exec` runs and how. */
export interface ExecParams {
  readonly version: string
  readonly command: readonly string[]
  readonly env: Env
  readonly interactive?: boolean
  /** Extra `--env K=v` of this exec (`-e`). */
  readonly extraEnv?: Readonly<Record<string, string>>
  /** Run inside the existing container of `version` (`docker exec`) instead of a new `--rm` one. */
  readonly reuse?: boolean
}

/** Kamal's `app exec`: a new `--rm` container with the role's env, volumes and options, or `docker exec` with `reuse`. */
export function exec(
  config: Config,
  role: Role,
  { version, command, env, interactive = false, extraEnv = {}, reuse = false }: ExecParams,
): Command {
  const extra = Object.entries(extraEnv).flatMap(([k, v]) => ['--env', `${k}=${v}`])
  if (reuse) return cmd('docker', 'exec', interactive && '-it', extra, containerName(config, role, version), ...command)
  // prettier-ignore
  return cmd('docker', 'run', interactive && '-it', '--rm', envArgs(env, envFilePath(config, role)), extra,
    config.volumes.flatMap((v) => ['--volume', v]), optionize(role.options), absoluteImage(config, version), ...command)
}
