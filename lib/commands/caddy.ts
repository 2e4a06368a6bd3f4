import type { Config, Role } from '../config/types.ts'
import { cmd, or, script, type Command } from '../shell/command.ts'
import { loggingArgs, optionize } from './args.ts'
import { containerPrefix } from './naming.ts'
import { containerLogs, type LogsParams } from './traefik.ts'

// Caddy as slipway's imperative proxy (the kamal-proxy idea on Debian's caddy): one container per
// proxy host on the `slipway` network; each role's route is a JSON file on the host, and the
// whole config is rebuilt from those files and handed to `caddy reload` (graceful: requests in
// flight finish on the old config). A route per role means one service's switch never clobbers
// another's. With no route, or a dead upstream, caddy answers 502.

/** The proxy container's name on every proxy host. */
export const CONTAINER = 'slipway-proxy'

/** The docker network caddy and proxied app containers share; upstreams are dialled by container name. */
export const NETWORK = 'slipway'

/** Where the host's config dir is mounted inside the container. */
export const MOUNT = '/etc/slipway'

/** Caddy's admin API, inside the container only (not published). */
export const ADMIN = 'localhost:2019'

/** `<run_directory>/proxy`: caddy.json plus `routes/{0,1}-<service>-<role>[-<dest>].json`, relative to the ssh user's home. */
export const configDir = (config: Config): string => `${config.runDirectory}/proxy`

/** The last route: anything no role claimed gets 502 Bad Gateway (never caddy's empty 200). */
export const CATCHALL = { handle: [{ handler: 'static_response', status_code: 502, body: 'Bad Gateway\n' }] } as const

/** One role's route: its requests (all, or those for `proxy.hosts`) go to the container serving now, on the app port. */
export function route(config: Config, role: Role, container: string): Record<string, unknown> {
  return {
    '@id': containerPrefix(config, role),
    ...(config.proxy.hosts.length > 0 && { match: [{ host: [...config.proxy.hosts] }] }),
    handle: [
      {
        handler: 'reverse_proxy',
        upstreams: [{ dial: `${container}:${config.proxy.appPort}` }],
        // No pooled idle connections: every open connection to an app container is a request in
        // flight, which is what drain() counts before the old container is stopped.
        transport: { protocol: 'http', keep_alive: { enabled: false } },
      },
    ],
    terminal: true,
  }
}

/** Where caddy listens and serves its admin API (tests run caddy on loopback ports). */
export interface Listen {
  readonly listen?: string
  readonly admin?: string
}

/** The whole caddy JSON config for a list of routes; the catch-all comes last. */
export function serverConfig(routes: readonly unknown[], { listen = ':80', admin = ADMIN }: Listen = {}): Record<string, unknown> {
  return {
    admin: { listen: admin, config: { persist: false } },
    apps: { http: { servers: { slipway: { listen: [listen], automatic_https: { disable: true }, routes: [...routes, CATCHALL] } } } },
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

/**
 * In `configDir`, under a lock (flock where the host has it): write (or delete, with route
 * undefined) one route file, rebuild caddy.json from every route file, then run `reload` if given.
 * Prints the config dir's absolute path. The lock keeps two services deploying on one host from
 * reloading each other's stale view. Routes matching host names are files `0-<name>.json`, others
 * `1-<name>.json`, so a service answering every host never shadows one bound to its host names.
 */
export function apply(dir: string, change: RouteChange, { listen, reload }: { listen?: Listen; reload?: Command | undefined } = {}): Command {
  const { head, tail } = configParts(listen)
  const reloadArgv = reload?.kind === 'exec' ? reload.argv : []
  if (reload && reload.kind !== 'exec') throw new Error('caddy.apply needs a simple reload command')
  return script(
    'dir=$1 name=$2 route=$3 prio=$4 head=$5 tail=$6; shift 6; ' +
      'mkdir -p "$dir/routes" && cd "$dir" || exit 1; exec 9>>.lock; if command -v flock >/dev/null 2>&1; then flock 9; fi; ' +
      'if [ -n "$name" ]; then rm -f "routes/0-$name.json" "routes/1-$name.json" || exit 1; fi; ' +
      'if [ -n "$name" ] && [ -n "$route" ]; then printf "%s" "$route" > "routes/$name.tmp" && mv "routes/$name.tmp" "routes/$prio-$name.json" || exit 1; fi; ' +
      'routes=; for f in routes/*.json; do [ -e "$f" ] || continue; routes="$routes$(cat "$f"),"; done; ' +
      'printf "%s%s%s" "$head" "$routes" "$tail" > caddy.json.tmp && mv caddy.json.tmp caddy.json || exit 1; ' +
      'if [ $# -gt 0 ]; then "$@" || exit; fi; pwd',
    dir,
    change?.name ?? '',
    change?.route ? JSON.stringify(change.route) : '',
    change?.route?.['match'] ? '0' : '1',
    head,
    tail,
    ...reloadArgv,
  )
}

/** `docker exec slipway-proxy caddy reload --config /etc/slipway/caddy.json`: returns once caddy loaded it. */
export const reload = (): Command => cmd('docker', 'exec', CONTAINER, 'caddy', 'reload', '--config', `${MOUNT}/caddy.json`)

/** The docker run of the caddy container; `hostDir` is configDir as an absolute path on the host. */
export function run(config: Config, hostDir: string): Command {
  // prettier-ignore
  return cmd(
    'docker', 'run', '--name', CONTAINER, '--network', NETWORK, '--detach', '--restart', 'unless-stopped',
    '--publish', `${config.proxy.hostPort}:80`,
    '--volume', `${hostDir}:${MOUNT}`,
    loggingArgs(config.logging),
    optionize(config.proxy.options),
    config.proxy.image,
    'run', '--config', `${MOUNT}/caddy.json`,
  )
}

/**
 * Waits until the caddy container serves its config: polls `caddy reload` of the mounted config
 * inside it, which fails until the admin API is up and blocks while the initial load runs, and is
 * a no-op for an unchanged config. Caddy itself confirms; no log scraping, no fixed sleep.
 * Exit 0 `ready`; exit 2 on timeout with caddy's last error.
 */
export const waitReady = ({ timeoutSeconds = 30, interval = 0.1 }: { timeoutSeconds?: number; interval?: number } = {}): Command =>
  script(
    'name=$1 config=$2 timeout=$3 interval=$4; deadline=$(( $(date +%s) + timeout )); ' +
      'while :; do if out=$(docker exec "$name" caddy reload --config "$config" 2>&1); then echo ready; exit 0; fi; ' +
      'if [ "$(date +%s)" -gt "$deadline" ]; then printf "not ready: %s\\n" "$out" | tail -n 3; exit 2; fi; sleep "$interval"; done',
    CONTAINER,
    `${MOUNT}/caddy.json`,
    String(timeoutSeconds),
    String(interval),
  )

/** `docker container start slipway-proxy || docker run …` */
export const startOrRun = (config: Config, hostDir: string): Command => or(start(), run(config, hostDir))

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

/**
 * Waits until container `name` has no established TCP connection on its app port (read from
 * /proc/<pid>/net/tcp{,6} on the host), seen twice in a row. One round trip, polling.
 * Exit 0 with `drained` or `gone`; exit 2 on timeout with the open count; exit 3 with
 * `unobservable` when /proc cannot be read.
 */
export function drain(name: string, appPort: number, { timeoutSeconds = 30, interval = 0.1 }: { timeoutSeconds?: number; interval?: number } = {}): Command {
  return script(
    'name=$1 port=$2 timeout=$3 interval=$4; pid=$(docker inspect -f "{{.State.Pid}}" "$name" 2>/dev/null); ' +
      'case $pid in ""|0) echo gone; exit 0;; esac; [ -r "/proc/$pid/net/tcp" ] || { echo unobservable; exit 3; }; ' +
      'deadline=$(( $(date +%s) + timeout )); zero=0; ' +
      'while :; do n=$(cat "/proc/$pid/net/tcp" "/proc/$pid/net/tcp6" 2>/dev/null | ' +
      'awk -v p=":$port" \'$4 == "01" && substr($2, length($2) - 4) == p {n++} END {print n + 0}\'); ' +
      'if [ "$n" = 0 ]; then zero=$((zero + 1)); if [ "$zero" -ge 2 ]; then echo drained; exit 0; fi; else zero=0; fi; ' +
      'if [ "$(date +%s)" -gt "$deadline" ]; then echo "$n"; exit 2; fi; sleep "$interval"; done',
    name,
    appPort.toString(16).toUpperCase().padStart(4, '0'),
    String(timeoutSeconds),
    String(interval),
  )
}
