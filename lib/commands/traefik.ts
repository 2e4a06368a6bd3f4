import type { Config, Role } from '../config/types.ts'
import { cmd, or, pipe, script, type Command } from '../shell/command.ts'
import { envArgs, labelArgs, loggingArgs, optionize } from './args.ts'
import { grepCommand } from './logs.ts'
import { containerPrefix } from './naming.ts'
import { program } from './program.ts'

// Traefik exactly as Kamal 1.9 runs it (lib/kamal/commands/traefik.rb, configuration/traefik.rb):
// one `traefik` container per proxy host, routing by the labels of the app containers it sees
// through the docker socket.

/** The container name on every proxy host. */
export const CONTAINER = 'traefik'

/** Traefik's own port inside the container (`host_port:80`). */
const CONTAINER_PORT = 80

/** Label that official traefik images carry; `reboot`/`remove` prune containers and images by it. */
const IMAGE_LABEL = 'org.opencontainers.image.title=Traefik'

/**
 * The catch-all (Kamal's DEFAULT_LABELS, `24a2f516`): every path at priority 1 goes to a service
 * on port 0, whose connection fails, so a host with no healthy app answers 502 instead of 404.
 */
const CATCHALL_LABELS: Readonly<Record<string, string>> = {
  'traefik.http.routers.catchall.entryPoints': 'http',
  'traefik.http.routers.catchall.rule': 'PathPrefix(`/`)',
  'traefik.http.routers.catchall.service': 'unavailable',
  'traefik.http.routers.catchall.priority': '1',
  'traefik.http.services.unavailable.loadbalancer.server.port': '0',
}

/** `--log.level=DEBUG`, merged under the user's `traefik.args`, as Kamal's DEFAULT_ARGS. */
const DEFAULT_ARGS: Readonly<Record<string, string | number | boolean>> = { 'log.level': 'DEBUG' }

/** The traefik container's labels: the catch-all with the user's `traefik.labels` merged over it. */
const labels = (config: Config): Record<string, string> => ({ ...CATCHALL_LABELS, ...config.traefik.labels })

/** `<run_directory>/env/traefik/traefik.env`: traefik's secret env (written from stdin, mode 600). */
export const envFilePath = (config: Config): string => `${config.runDirectory}/env/traefik/traefik.env`

/** `{ 'log.level': 'DEBUG', 'api.insecure': true }` → `--log.level=DEBUG --api.insecure`; false is dropped. */
const cmdArgs = (args: Readonly<Record<string, string | number | boolean>>): string[] =>
  Object.entries(args).flatMap(([key, value]) =>
    value === true ? [`--${key}`] : value === false ? [] : [`--${key}=${value}`],
  )

/** Kamal's `traefik run`: the docker run of the traefik container. */
export function run(config: Config): Command {
  const t = config.traefik
  // prettier-ignore
  return cmd(
    'docker', 'run', '--name', CONTAINER, '--detach', '--restart', 'unless-stopped',
    t.publish && ['--publish', `${t.hostIp ? `${t.hostIp}:` : ''}${t.hostPort}:${CONTAINER_PORT}`],
    '--volume', '/var/run/docker.sock:/var/run/docker.sock',
    envArgs(t.env, envFilePath(config)),
    loggingArgs(config.logging),
    labelArgs(labels(config)),
    optionize(t.options),
    t.image,
    '--providers.docker',
    cmdArgs({ ...DEFAULT_ARGS, ...t.args }),
  )
}

/** `docker container start traefik || docker run …`: boot keeps a stopped traefik's config, as Kamal. */
export const startOrRun = (config: Config): Command => or(start(), run(config))

/** `docker container start traefik` */
export const start = (): Command => cmd('docker', 'container', 'start', CONTAINER)

/** `docker container stop traefik` */
export const stop = (): Command => cmd('docker', 'container', 'stop', CONTAINER)

/** `docker container prune --force --filter label=org.opencontainers.image.title=Traefik` */
export const removeContainer = (): Command =>
  cmd('docker', 'container', 'prune', '--force', '--filter', `label=${IMAGE_LABEL}`)

/** `docker image prune --all --force --filter label=org.opencontainers.image.title=Traefik` */
export const removeImage = (): Command =>
  cmd('docker', 'image', 'prune', '--all', '--force', '--filter', `label=${IMAGE_LABEL}`)

/** `docker ps --filter name=^traefik$` */
export const details = (): Command => cmd('docker', 'ps', '--filter', `name=^${CONTAINER}$`)

/** Options of `traefik logs` (Kamal's -s, -n, -g, -f). */
export interface LogsParams {
  readonly since?: string | undefined
  readonly lines?: number | undefined
  readonly grep?: string | undefined
  readonly grepOptions?: string | undefined
  readonly follow?: boolean | undefined
}

/** `docker logs traefik [--since S] [--tail N] --timestamps [--follow] 2>&1 [| grep …]` (follow defaults to `--tail 10`, as Kamal). */
export const logs = (params: LogsParams = {}): Command => containerLogs(CONTAINER, params)

/** Logs of a proxy container; shared with caddy. */
export function containerLogs(
  container: string,
  { since, lines, grep, grepOptions, follow = false }: LogsParams,
): Command {
  const tail = lines ?? (follow ? 10 : undefined)
  // prettier-ignore
  const read = script('docker logs "$@" 2>&1', container,
    ...(since === undefined ? [] : ['--since', since]),
    ...(tail === undefined ? [] : ['--tail', String(tail)]),
    '--timestamps',
    ...(follow ? ['--follow'] : []))
  return grep === undefined ? read : pipe(read, grepCommand(grep, grepOptions, follow))
}

/** The traefik router/service name of a role's containers: Kamal's container prefix. */
const serviceName = (config: Config, role: Role): string => containerPrefix(config, role)

/** Kamal's Role#traefik_labels: the app router at priority 2 with the retry middleware. */
export function appLabels(config: Config, role: Role): Record<string, string> {
  const s = serviceName(config, role)
  return {
    // Setting a service property keeps the generated service name stable between versions.
    [`traefik.http.services.${s}.loadbalancer.server.scheme`]: 'http',
    [`traefik.http.routers.${s}.rule`]: 'PathPrefix(`/`)',
    [`traefik.http.routers.${s}.priority`]: '2',
    [`traefik.http.middlewares.${s}-retry.retry.attempts`]: '5',
    [`traefik.http.middlewares.${s}-retry.retry.initialinterval`]: '500ms',
    [`traefik.http.routers.${s}.middlewares`]: `${s}-retry@docker`,
  }
}

/** Port of traefik's API inside its container (the `traefik` entrypoint, with `api.insecure`). */
const API_PORT = 8080

const WAIT = program<'service' | 'name' | 'want' | 'timeout' | 'interval' | 'port'>('traefik-wait.sh')

/**
 * Polls traefik's API from the host until `container` is `present` in the role's service (the route
 * is live) or `absent` (drained), in one round trip (sh/traefik-wait.sh): exit 0, 2 on timeout, 3
 * when the API cannot be reached (the caller then falls back to Kamal's fixed wait).
 */
export function waitForServer(
  config: Config,
  role: Role,
  {
    container,
    want,
    timeoutSeconds = 30,
    interval = 0.2,
  }: { container: string; want: 'present' | 'absent'; timeoutSeconds?: number; interval?: number },
): Command {
  return WAIT({
    service: serviceName(config, role),
    name: container,
    want,
    timeout: timeoutSeconds,
    interval,
    port: API_PORT,
  })
}
