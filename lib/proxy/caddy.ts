import type { Config, Role } from '../config/types.ts'
import type { Executor } from '../exec/executor.ts'
import * as caddy from '../commands/caddy.ts'
import { cutover, parseCutover } from './caddy-cutover.ts'
import type { AppRunExtras, CutoverParams, ProxyDriver } from './driver.ts'

// Caddy is switched imperatively, as Kamal 2's kamal-proxy: once the new container is healthy, one
// script on the host writes its route, reloads caddy (graceful: requests in flight finish on the old
// upstream), waits until nothing can reach the old container any more, and stops it. See
// caddy-cutover.ts for why "nothing can reach it" takes more than counting its connections.

/** Seconds the cutover waits for in-flight requests before the old container is stopped anyway. */
export const DRAIN_TIMEOUT = 30

/** The caddy driver. */
export const caddyDriver: ProxyDriver = {
  kind: 'caddy',

  appRun(): AppRunExtras {
    // No cord: caddy is told which container to use, so nothing has to make the old one unhealthy.
    return { labels: {}, args: ['--network', caddy.NETWORK], cord: false }
  },

  async cutover(
    remote: Executor,
    config: Config,
    role: Role,
    { newContainer, oldContainer, stopOld, signal, log }: CutoverParams,
  ): Promise<void> {
    const route = caddy.route(config, role, newContainer)
    const old = oldContainer ? { name: oldContainer, port: config.proxy.appPort } : undefined
    const started = Date.now()
    const command = cutover(
      caddy.configDir(config),
      { name: String(route['@id']), route },
      { old, stopOld: old && stopOld, timeoutSeconds: DRAIN_TIMEOUT },
    )
    const result = parseCutover((await remote.run(command, { signal })).stdout)
    const took = ((Date.now() - started) / 1000).toFixed(1)
    log?.(`caddy reloaded: routing to ${newContainer}:${config.proxy.appPort}`)
    if (!oldContainer) return
    if (result.forceFailed)
      log?.('caddy did not take the second (forced) reload: the drain may have waited for idle clients')
    const drain = result.drain ?? ''
    if (drain === 'drained') log?.(`${oldContainer} drained in ${took} s`)
    else if (drain === 'gone') log?.(`${oldContainer} is not running`)
    else if (drain === 'unobservable')
      log?.(`cannot see connections in /proc: stopped ${oldContainer} without draining (docker stop lets it finish)`)
    else log?.(`${oldContainer} not drained after ${DRAIN_TIMEOUT} s (${timeoutReason(drain)}): stopped it`)
    if (result.stopped !== undefined && result.stopped !== 0)
      log?.(`stopping ${oldContainer} failed (exit ${result.stopped})`)
  },
}

// `timeout proxy 2` / `timeout app 3` from the script, in words.
const timeoutReason = (drain: string): string => {
  const [, what, n] = drain.split(' ')
  return what === 'proxy'
    ? `${n} caddy connections from before the switch still open`
    : `${n ?? 'some'} open connections`
}
