import { createHash } from 'node:crypto'
import type { Config, Role } from '../config/types.ts'
import { cmd, or, type Command } from '../shell/command.ts'
import { loggingArgs, optionize } from './args.ts'
import { containerPrefix } from './naming.ts'
import { program } from './program.ts'
import { containerLogs, type LogsParams } from './traefik.ts'

// Caddy as slipway's imperative proxy (the kamal-proxy idea on Debian's caddy): one container per
// proxy host on the `slipway` network; each role's route is a JSON file on the host, and the
// whole config is rebuilt from those files and loaded through caddy's admin socket (graceful:
// requests in flight finish on the old config; see sh/include/caddy-admin.sh). A route per role
// means one service's switch never clobbers another's. With no route, or a dead upstream, caddy
// answers 502.

/** The proxy container's name on every proxy host. */
export const CONTAINER = 'slipway-proxy'

/** The docker network caddy and proxied app containers share; upstreams are dialled by a per-instance alias. */
export const NETWORK = 'slipway'

/** Where the host's config dir is mounted inside the container. */
export const MOUNT = '/etc/slipway'

/**
 * Caddy's admin API: a unix socket in the mounted config dir, so the host loads a config with one curl
 * instead of a much slower `docker exec … caddy reload` (figures: docs/benchmarks.md). Not published on
 * any port; only who may open the socket file (root) reaches it.
 */
export const ADMIN = `unix/${MOUNT}/admin.sock`

/** The admin socket's name in the config dir on the host (ADMIN seen from outside the container). */
export const SOCKET = 'admin.sock'

/** Where a caddy started by an older slipway serves its admin API: localhost in its own netns. */
export const LEGACY_ADMIN = 'localhost:2019'

/** `<run_directory>/proxy`: caddy.json plus `routes/{0,1}-<service>-<role>[-<dest>].json`, relative to the ssh user's home. */
export const configDir = (config: Config): string => `${config.runDirectory}/proxy`

/** The last route: anything no role claimed gets 502 Bad Gateway (never caddy's empty 200). */
const CATCHALL = { handle: [{ handler: 'static_response', status_code: 502, body: 'Bad Gateway\n' }] } as const

/**
 * The network alias caddy dials one container instance by: `<container>-<instance>`, or, where that is
 * longer than the 63 characters Docker's DNS answers (one DNS label), `slipway-<20 hex of the
 * container name>-<instance>`. Never the container name: a redeploy of the version already serving
 * renames the serving container aside and gives its name to the new one, which would then get the
 * requests while it is still starting. `instance` is unique to each boot's new container.
 */
export function upstreamHost(container: string, instance: string): string {
  const plain = `${container}-${instance}`
  return plain.length <= DNS_LABEL
    ? plain
    : `slipway-${createHash('sha256').update(container).digest('hex').slice(0, 20)}-${instance}`
}

/** `--network-alias <upstreamHost>`: what the container answers to on the `slipway` network besides its name. */
export const aliasArgs = (container: string, instance: string): string[] => [
  '--network-alias',
  upstreamHost(container, instance),
]

const DNS_LABEL = 63

/**
 * One role's route: its requests (all, or those for `proxy.hosts`) go to `upstream` (the serving
 * container's {@link upstreamHost}) on the app port.
 */
export function route(config: Config, role: Role, upstream: string): Record<string, unknown> {
  return {
    '@id': containerPrefix(config, role),
    ...(config.proxy.hosts.length > 0 && { match: [{ host: [...config.proxy.hosts] }] }),
    handle: [
      {
        handler: 'reverse_proxy',
        upstreams: [{ dial: `${upstream}:${config.proxy.appPort}` }],
        // No pooled idle connections: every open connection to an app container is a request in
        // flight, which is what drain() counts before the old container is stopped.
        transport: { protocol: 'http', keep_alive: { enabled: false } },
      },
    ],
    terminal: true,
  }
}

/** Where caddy listens and serves its admin API (tests run caddy on a loopback port, admin socket in their dir). */
export interface Listen {
  readonly listen?: string
  readonly admin?: string
}

/** The whole caddy JSON config for a list of routes; the catch-all comes last. */
export function serverConfig(
  routes: readonly unknown[],
  { listen = ':80', admin = ADMIN }: Listen = {},
): Record<string, unknown> {
  return {
    admin: { listen: admin, config: { persist: false } },
    apps: {
      http: {
        servers: { slipway: { listen: [listen], automatic_https: { disable: true }, routes: [...routes, CATCHALL] } },
      },
    },
  }
}

const MARK = '"@slipway-routes@",'

/** serverConfig's JSON split around the routes, so the host can splice in its route files: `head + "r1,r2," + tail`. */
export function configParts(listen: Listen = {}): { head: string; tail: string } {
  const text = JSON.stringify(serverConfig(['@slipway-routes@'], listen))
  const at = text.indexOf(MARK)
  return { head: text.slice(0, at), tail: text.slice(at + MARK.length) }
}

/** What `apply` does to this role's route file before rebuilding caddy.json. */
export type RouteChange = { readonly name: string; readonly route: Record<string, unknown> | undefined } | undefined

/** The parameters sh/caddy-apply.sh (and the cutover) take for one route change. */
export function routeValues(dir: string, change: RouteChange, listen: Listen = {}): Record<RouteParam, string> {
  const { head, tail } = configParts(listen)
  return {
    dir,
    name: change?.name ?? '',
    route: change?.route ? JSON.stringify(change.route) : '',
    prio: change?.route?.['match'] ? '0' : '1',
    head,
    tail,
  }
}

/** The names of {@link routeValues}. */
export type RouteParam = 'dir' | 'name' | 'route' | 'prio' | 'head' | 'tail'

const APPLY = program<RouteParam>('caddy-apply.sh')

/**
 * In `configDir`, under a lock: write (or delete, with route undefined) one route file and rebuild
 * caddy.json from every route file (sh/caddy-apply.sh); prints the config dir's absolute path. The
 * lock keeps two services deploying on one host from reloading each other's stale view. Routes
 * matching host names come first, so a service answering every host never shadows one bound to its
 * host names.
 */
export const apply = (dir: string, change: RouteChange, { listen }: { listen?: Listen } = {}): Command =>
  APPLY(routeValues(dir, change, listen))

/** The docker run of the caddy container; `hostDir` is configDir as an absolute path on the host. */
export function run(config: Config, hostDir: string): Command {
  // prettier-ignore
  return cmd(
    'docker', 'run', '--name', CONTAINER, '--network', NETWORK, '--detach', '--restart', 'unless-stopped',
    '--publish', `${config.proxy.hostIp ? `${config.proxy.hostIp}:` : ''}${config.proxy.hostPort}:80`,
    '--volume', `${hostDir}:${MOUNT}`,
    loggingArgs(config.logging),
    optionize(config.proxy.options),
    config.proxy.image,
    'run', '--config', `${MOUNT}/caddy.json`,
  )
}

// Stands for the config dir's absolute path in run()'s argv until the host knows it.
const HERE = '@slipway-proxy-dir@'

const RUN_IN_DIR = program<'dir' | 'here'>('run-in-dir.sh')

/**
 * run() with the config dir given relative to the ssh user's home: the host resolves its absolute
 * path for `--volume` (sh/run-in-dir.sh), so booting needs no round trip just to learn it.
 */
export function runIn(config: Config, dir: string): Command {
  const docker = run(config, HERE)
  return RUN_IN_DIR({ dir, here: HERE }, docker.kind === 'exec' ? docker.argv : [])
}

/** `docker container start slipway-proxy || <runIn>` */
export const startOrRunIn = (config: Config, dir: string): Command => or(start(), runIn(config, dir))

/** `docker container start slipway-proxy` */
export const start = (): Command => cmd('docker', 'container', 'start', CONTAINER)

/** `docker container stop slipway-proxy` */
export const stop = (): Command => cmd('docker', 'container', 'stop', CONTAINER)

/** `docker container rm --force slipway-proxy` (route files stay, so a new caddy serves the same apps). */
export const removeContainer = (): Command => cmd('docker', 'container', 'rm', '--force', CONTAINER)

/** `docker image rm <image>` */
export const removeImage = (config: Config): Command => cmd('docker', 'image', 'rm', config.proxy.image)

/** `docker ps --filter name=^slipway-proxy$` */
export const details = (): Command => cmd('docker', 'ps', '--filter', `name=^${CONTAINER}$`)

/** `docker logs slipway-proxy … 2>&1 [| grep …]`, as traefik's. */
export const logs = (params: LogsParams = {}): Command => containerLogs(CONTAINER, params)
