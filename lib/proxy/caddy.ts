import type { Config, Role } from '../config/types.ts'
import type { Executor } from '../exec/executor.ts'
import * as caddy from '../commands/caddy.ts'
import * as caddyAdmin from '../commands/caddy-admin.ts'
import * as caddyBoot from '../commands/caddy-boot.ts'
import * as registry from '../commands/registry.ts'
import { containerName } from '../commands/naming.ts'
import type { Command } from '../shell/command.ts'
import { cutover, parseCutover } from './caddy-cutover.ts'
import type { AppRunExtras, CutoverParams, ProxyDriver, ProxyHost } from './driver.ts'

// Caddy is switched imperatively, as Kamal 2's kamal-proxy: once the new container is healthy, one
// program on the host writes its route, reloads caddy (graceful: requests in flight finish on the
// old upstream), waits until nothing can reach the old container any more, and stops it (see
// sh/caddy-cutover.sh for why "nothing can reach it" takes more than counting its connections).

/** Seconds the cutover waits for in-flight requests before the old container is stopped anyway. */
const DRAIN_TIMEOUT = 30

/** The caddy driver. */
export const caddyDriver: ProxyDriver = {
  kind: 'caddy',
  entries: ['proxy'],
  // Caddy routes where the cutover points it, once the wait said healthy.
  routesOnDockerHealth: false,
  rebootHooks: ['pre-proxy-reboot', 'post-proxy-reboot'],
  container: () => caddy.CONTAINER,
  image: (config) => config.proxy.image,

  appRun(config, role, { version, instance }): AppRunExtras {
    // No cord: caddy is told which container to use, so nothing has to make the old one unhealthy.
    const name = containerName(config, role, version)
    return { labels: {}, args: ['--network', caddy.NETWORK, ...caddy.aliasArgs(name, instance)], cord: false }
  },

  async cutover(
    remote: Executor,
    config: Config,
    role: Role,
    { newContainer, instance, oldContainer, stopOld, signal, log }: CutoverParams,
  ): Promise<void> {
    const route = caddy.route(config, role, caddy.upstreamHost(newContainer, instance))
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

  // Where caddy already runs its image, the boot is a config load: no login, no start, no wait.
  boot: (host) => loggingIn(host, (login) => caddyBoot.boot(host.config, { login })),
  reboot: (host) => loggingIn(host, (login) => caddyBoot.reboot(host.config, { login })),

  async start({ remote, config, signal }) {
    await remote.run(caddy.start(), { signal })
    // Until the started container has loaded its config, so the next host group or step meets a serving proxy.
    await remote.run(caddyAdmin.waitReady(caddy.configDir(config)), { signal })
  },

  stop: () => caddy.stop(),
  details: () => caddy.details(),
  logs: (_, params) => caddy.logs(params),

  // Caddy takes no env: its routes come from the admin API.
  envFile: () => undefined,

  async remove({ remote, config, signal }) {
    await remote.run(caddy.stop(), { allowFailure: true, signal })
    // Route files stay, so a new caddy serves the same apps.
    await remote.run(caddy.removeContainer(), { signal })
    await remote.run(caddy.removeImage(config), { allowFailure: true, signal })
  },
}

// A boot or reboot round trip that logs in (password on stdin) only where this run has not yet.
async function loggingIn(host: ProxyHost, command: (login: boolean) => Command): Promise<void> {
  const login = !host.loggedIn()
  const stdin = login ? registry.passwordStdin(host.config) : undefined
  const result = await host.remote.run(command(login), { stdin, signal: host.signal })
  if (login && caddyBoot.loggedIn(result.stdout)) host.markLoggedIn()
}

// `timeout proxy 2` / `timeout app 3` from the cutover, in words.
const timeoutReason = (drain: string): string => {
  const [, what, n] = drain.split(' ')
  return what === 'proxy'
    ? `${n} caddy connections from before the switch still open`
    : `${n ?? 'some'} open connections`
}
