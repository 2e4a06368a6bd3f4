import type { Config } from '../config/types.ts'
import { and, cmd, or, type Command } from '../shell/command.ts'
import { andAll } from './args.ts'
import * as caddy from './caddy.ts'
import * as caddyAdmin from './caddy-admin.ts'
import * as docker from './docker.ts'
import * as registry from './registry.ts'

// Caddy's boot and reboot on one host, each one round trip.

/** Whether a caddy boot or reboot runs `docker login` (run it with `{ stdin: registry.passwordStdin(config) }`). */
export interface CaddyLogin {
  /** False when this run already logged the host in. @default true */
  readonly login?: boolean
}

// Prints `logged-in` after a login, so the caller can record it (see loggedIn).
const login = (config: Config, { login = true }: CaddyLogin): Command[] =>
  login ? [registry.login(config), cmd('echo', 'logged-in')] : []

/** Whether a boot or reboot's output says it logged the host in. */
export const loggedIn = (stdout: string): boolean => stdout.split('\n').includes('logged-in')

/**
 * Caddy's whole boot on a host: caddy.json rebuilt from the route files, then, where caddy already
 * runs the configured image, only a load of it through the admin socket (a no-op when unchanged) and
 * tcp_migrate_req, from one `docker inspect`; otherwise the `slipway` network, `docker login`, start
 * the container or run it, and wait until it serves.
 */
export const boot = (config: Config, params: CaddyLogin = {}): Command =>
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

/** Caddy's reboot on a host: network, caddy.json, login, then stop, remove and run a fresh container and wait until it serves. */
export const reboot = (config: Config, params: CaddyLogin = {}): Command =>
  andAll(
    docker.networkEnsure(caddy.NETWORK),
    caddy.apply(caddy.configDir(config), undefined),
    ...login(config, params),
    or(caddy.stop(), cmd('true')),
    caddy.removeContainer(),
    caddy.runIn(config, caddy.configDir(config)),
    caddyAdmin.waitReady(caddy.configDir(config)),
  )
