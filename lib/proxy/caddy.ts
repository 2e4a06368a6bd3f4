import type { Config, Role } from '../config/types.ts'
import type { Executor } from '../exec/executor.ts'
import * as caddy from '../commands/caddy.ts'
import type { AppRunExtras, ProxyDriver, SwitchParams } from './driver.ts'

// Caddy is switched imperatively, as Kamal 2's kamal-proxy: once the new container is healthy,
// its route replaces the old one and `caddy reload` returns when caddy has loaded it (graceful:
// requests already in flight finish on the old upstream). drain() then waits, on the host,
// until the old container has no open connection left before the boot step stops it.

/** Seconds drain() waits for in-flight requests before the old container is stopped anyway. */
export const DRAIN_TIMEOUT = 30

/** The caddy driver. */
export const caddyDriver: ProxyDriver = {
  kind: 'caddy',

  appRun(): AppRunExtras {
    // No cord: caddy is told which container to use, so nothing has to make the old one unhealthy.
    return { labels: {}, args: ['--network', caddy.NETWORK], cord: false }
  },

  async switchTo(remote: Executor, config: Config, role: Role, { newContainer, signal, log }: SwitchParams): Promise<void> {
    const route = caddy.route(config, role, newContainer)
    await remote.run(caddy.apply(caddy.configDir(config), { name: String(route['@id']), route }, { reload: caddy.reload() }), { signal })
    log?.(`caddy reloaded: routing to ${newContainer}:${config.proxy.appPort}`)
  },

  async drain(remote: Executor, config: Config, _role: Role, { oldContainer, signal, log }: SwitchParams & { readonly oldContainer: string }): Promise<void> {
    const started = Date.now()
    const result = await remote.run(caddy.drain(oldContainer, config.proxy.appPort, { timeoutSeconds: DRAIN_TIMEOUT }), { allowFailure: true, signal })
    const took = ((Date.now() - started) / 1000).toFixed(1)
    const status = result.stdout.trim()
    if (result.exitCode === 0) log?.(status === 'gone' ? `${oldContainer} is not running` : `${oldContainer} drained in ${took} s`)
    else if (result.exitCode === 3) log?.(`cannot see ${oldContainer}'s connections (/proc not readable): stopping it, docker stop lets it finish`)
    else log?.(`${oldContainer} still had ${status || 'some'} open connections after ${DRAIN_TIMEOUT} s: stopping it`)
  },
}
