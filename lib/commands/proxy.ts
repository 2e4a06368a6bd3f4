import type { Config } from '../config/types.ts'
import { and, cmd, or, type Command } from '../shell/command.ts'
import { andAll } from './args.ts'
import * as caddy from './caddy.ts'
import * as caddyAdmin from './caddy-admin.ts'
import * as docker from './docker.ts'
import * as registry from './registry.ts'
import * as traefik from './traefik.ts'
import type { LogsParams } from './traefik.ts'

// The proxy subcommands (boot, reboot, start, stop, details, logs, remove) for whichever proxy
// `proxy.kind` selects. Each switch is exhaustive, so a new kind cannot be half wired.

/** The proxy's container name: `traefik` or `slipway-proxy`. */
export function containerName(config: Config): string {
  const kind = config.proxy.kind
  switch (kind) {
    case 'traefik':
      return traefik.CONTAINER
    case 'caddy':
      return caddy.CONTAINER
    default:
      return unknownKind(kind)
  }
}

/** `docker container start <proxy>` */
export const start = (config: Config): Command => (config.proxy.kind === 'traefik' ? traefik.start() : caddy.start())

/** `docker container stop <proxy>` */
export const stop = (config: Config): Command => (config.proxy.kind === 'traefik' ? traefik.stop() : caddy.stop())

/** `docker ps --filter name=^<proxy>$` */
export const details = (config: Config): Command =>
  config.proxy.kind === 'traefik' ? traefik.details() : caddy.details()

/** `docker logs <proxy> … 2>&1 [| grep …]` */
export const logs = (config: Config, params: LogsParams = {}): Command =>
  config.proxy.kind === 'traefik' ? traefik.logs(params) : caddy.logs(params)

/** Removes the (stopped) proxy container: traefik by image label as Kamal, caddy by name. */
export const removeContainer = (config: Config): Command =>
  config.proxy.kind === 'traefik' ? traefik.removeContainer() : caddy.removeContainer()

/** Removes the proxy image. */
export const removeImage = (config: Config): Command =>
  config.proxy.kind === 'traefik' ? traefik.removeImage() : caddy.removeImage(config)

/** A wait until the proxy serves after a start (caddy: its config is loaded); traefik has none, as in Kamal. */
export const waitReady = (config: Config): Command | undefined =>
  config.proxy.kind === 'caddy' ? caddyAdmin.waitReady(caddy.configDir(config)) : undefined

/** Whether a caddy boot or reboot runs `docker login` (run it with `{ stdin: registry.passwordStdin(config) }`). */
export interface CaddyLogin {
  /** False when this run already logged the host in (ctx.found.loggedIn). @default true */
  readonly login?: boolean
}

// Prints `logged-in` after a login, so the task can record it in ctx.found.loggedIn.
const login = (config: Config, { login = true }: CaddyLogin): Command[] =>
  login ? [registry.login(config), cmd('echo', 'logged-in')] : []

/**
 * Caddy's whole boot on a host, one round trip: caddy.json rebuilt from the route files, then, where
 * caddy already runs the configured image, only a load of it through the admin socket (a no-op when
 * unchanged) and tcp_migrate_req, from one `docker inspect`; otherwise the `slipway` network,
 * `docker login`, start the container or run it, and wait until it serves.
 */
export const caddyBoot = (config: Config, params: CaddyLogin = {}): Command =>
  and(
    caddy.apply(caddy.configDir(config), undefined),
    or(
      caddyAdmin.reloadRunning(config, caddy.configDir(config)),
      andAll(
        docker.networkEnsure(caddy.NETWORK),
        ...login(config, params),
        caddy.startOrRunIn(config, caddy.configDir(config)),
        caddyAdmin.waitReady(caddy.configDir(config)),
      ),
    ),
  )

/** Caddy's reboot on a host, one round trip: network, caddy.json, login, then stop, remove and run a fresh container and wait until it serves. */
export const caddyReboot = (config: Config, params: CaddyLogin = {}): Command =>
  andAll(
    docker.networkEnsure(caddy.NETWORK),
    caddy.apply(caddy.configDir(config), undefined),
    ...login(config, params),
    or(caddy.stop(), cmd('true')),
    caddy.removeContainer(),
    caddy.runIn(config, caddy.configDir(config)),
    caddyAdmin.waitReady(caddy.configDir(config)),
  )

/** The proxy's image, for messages. */
export const image = (config: Config): string =>
  config.proxy.kind === 'traefik' ? config.traefik.image : config.proxy.image

function unknownKind(kind: never): never {
  throw new Error(`unknown proxy kind ${String(kind)}`)
}

export type { LogsParams }
