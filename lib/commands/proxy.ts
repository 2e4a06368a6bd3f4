import type { Config } from '../config/types.ts'
import { cmd, or, type Command } from '../shell/command.ts'
import { andAll } from './args.ts'
import * as caddy from './caddy.ts'
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
export const details = (config: Config): Command => (config.proxy.kind === 'traefik' ? traefik.details() : caddy.details())

/** `docker logs <proxy> … 2>&1 [| grep …]` */
export const logs = (config: Config, params: LogsParams = {}): Command =>
  config.proxy.kind === 'traefik' ? traefik.logs(params) : caddy.logs(params)

/** Removes the (stopped) proxy container: traefik by image label as Kamal, caddy by name. */
export const removeContainer = (config: Config): Command =>
  config.proxy.kind === 'traefik' ? traefik.removeContainer() : caddy.removeContainer()

/** Removes the proxy image. */
export const removeImage = (config: Config): Command => (config.proxy.kind === 'traefik' ? traefik.removeImage() : caddy.removeImage(config))

/** A wait until the proxy serves after a start (caddy: its config is loaded); traefik has none, as in Kamal. */
export const waitReady = (config: Config): Command | undefined => (config.proxy.kind === 'caddy' ? caddy.waitReady() : undefined)

/**
 * Caddy's whole boot on a host, one round trip: the `slipway` network, caddy.json from the route
 * files, `docker login` (run it with `{ stdin: registry.passwordStdin(config) }`), start the
 * container or run it, and wait until it serves.
 */
export const caddyBoot = (config: Config): Command =>
  andAll(
    docker.networkEnsure(caddy.NETWORK),
    caddy.apply(caddy.configDir(config), undefined),
    registry.login(config),
    caddy.startOrRunIn(config, caddy.configDir(config)),
    caddy.waitReady(),
  )

/** Caddy's reboot on a host, one round trip: as caddyBoot, but the old container is stopped, removed and run afresh. */
export const caddyReboot = (config: Config): Command =>
  andAll(
    docker.networkEnsure(caddy.NETWORK),
    caddy.apply(caddy.configDir(config), undefined),
    registry.login(config),
    or(caddy.stop(), cmd('true')),
    caddy.removeContainer(),
    caddy.runIn(config, caddy.configDir(config)),
    caddy.waitReady(),
  )

/** The proxy's image, for messages. */
export const image = (config: Config): string => (config.proxy.kind === 'traefik' ? config.traefik.image : config.proxy.image)

function unknownKind(kind: never): never {
  throw new Error(`unknown proxy kind ${String(kind)}`)
}

export type { LogsParams }
