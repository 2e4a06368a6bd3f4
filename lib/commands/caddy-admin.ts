import type { Config } from '../config/types.ts'
import type { Command } from '../shell/command.ts'
import { program } from './program.ts'
import { ADMIN, CONTAINER, LEGACY_ADMIN, MOUNT, NETWORK, SOCKET, type Listen } from './caddy.ts'

// Loading caddy.json into the running caddy from the host, through its admin socket where it can,
// else through `docker exec … caddy reload` (sh/include/caddy-admin.sh says why and how).

/** The parameters every program that loads caddy.json takes (sh/include/caddy-admin.sh). */
export type AdminParam = 'proxy' | 'config' | 'sock' | 'admin' | 'legacy'

/** Their values: the caddy container, caddy.json inside it, the socket's name, the admin addresses. */
export const adminValues = (listen: Listen = {}): Record<AdminParam, string> => ({
  proxy: CONTAINER,
  config: `${MOUNT}/caddy.json`,
  sock: SOCKET,
  admin: listen.admin ?? ADMIN,
  legacy: LEGACY_ADMIN,
})

const RELOAD = program<'dir' | AdminParam | 'force'>('caddy-reload.sh')
const WAIT_READY = program<'dir' | AdminParam | 'timeout' | 'interval'>('caddy-wait-ready.sh')
const RELOAD_RUNNING = program<'dir' | AdminParam | 'image' | 'network'>('caddy-reload-running.sh')

/** Loads `<dir>/caddy.json` into the running caddy (`--force`: even when unchanged); exit 1 with caddy's error. */
export const reload = (dir: string, { force = false, listen }: { force?: boolean; listen?: Listen } = {}): Command =>
  RELOAD({ dir, ...adminValues(listen), force: force ? '--force' : '' })

/**
 * Waits until the caddy container serves its config, then sets tcp_migrate_req in its netns
 * (sh/caddy-wait-ready.sh): exit 0 `ready`; 1 at once when caddy rejects the config; 2 on timeout.
 */
export const waitReady = (
  dir: string,
  { timeoutSeconds = 30, interval = 0.1 }: { timeoutSeconds?: number; interval?: number } = {},
): Command => WAIT_READY({ dir, ...adminValues(), timeout: timeoutSeconds, interval })

/**
 * Boot where caddy already runs the configured image: a load of `<dir>/caddy.json` and
 * tcp_migrate_req from one `docker inspect` (sh/caddy-reload-running.sh). Exit 3 when caddy is not
 * running, runs another image or is off the network (the caller then boots it the full way).
 */
export const reloadRunning = (config: Config, dir: string): Command =>
  RELOAD_RUNNING({ dir, ...adminValues(), image: config.proxy.image, network: NETWORK })
