import type { DeployContext, DeployTask } from '../../lib/context.ts'
import type { HookName } from '../../lib/hooks.ts'
import type { Command } from '../../lib/shell/command.ts'
import { proxyDriver } from '../../lib/proxy/index.ts'
import type { LogsParams, ProxyHost } from '../../lib/proxy/driver.ts'
import { fanOut, onHosts, reportOnHosts, type Task } from './fan-out.ts'
import { followLogs } from './follow.ts'
import { runHook } from './hooks.ts'
import { andAll } from '../../lib/commands/args.ts'
import { auditRecord, audited } from './audit.ts'

// The proxy as discrete tasks (Kamal's `traefik boot|reboot|start|stop|…`, Kamal 2's `proxy …`).
// What each does on a host is the configured kind's driver (lib/proxy): these tasks only choose the
// hosts, the order and the hooks. Each runs on the proxy hosts of the selection: hosts with at least
// one role behind the proxy. Every host runs to completion; failures come together.

/** Selected hosts that run a proxied role. */
export const proxyHosts = (ctx: DeployContext): string[] =>
  ctx.selection.hosts.filter((host) => ctx.selection.rolesOn(host).some((role) => role.proxy))

/** The driver's view of one proxy host: its executor, and this run's registry login there. */
const proxyHost = (ctx: DeployContext, host: string): ProxyHost => ({
  remote: ctx.remote(host),
  config: ctx.config,
  signal: ctx.signal,
  loggedIn: () => ctx.found.loggedIn.has(host),
  markLoggedIn: () => void ctx.found.loggedIn.add(host),
})

/** Start the proxy where it is stopped, run it where it does not exist, until it serves. */
export const bootProxy = (): DeployTask =>
  onHosts('Boot proxy', proxyHosts, async (ctx, host, task) => {
    const driver = proxyDriver(ctx.config)
    say(task, `${driver.container(ctx.config)} (${driver.image(ctx.config)})`)
    await driver.boot(proxyHost(ctx, host))
  })

/** Options of {@link rebootProxy}. */
export interface RebootOptions {
  /** One host at a time (hooks around each), instead of all proxy hosts at once. */
  readonly rolling?: boolean
}

/**
 * Replace the proxy container with a fresh one (picks up changed proxy config), host group by host
 * group, with the driver's pre/post reboot hooks around each group (`pre-traefik-reboot`/
 * `post-traefik-reboot` for traefik, `pre-proxy-reboot`/`post-proxy-reboot` for caddy).
 */
export const rebootProxy = ({ rolling = false }: RebootOptions = {}): DeployTask => ({
  title: rolling ? 'Reboot proxy (rolling)' : 'Reboot proxy',
  task: (ctx, task) => {
    const hosts = proxyHosts(ctx)
    const groups = rolling ? hosts.map((host) => [host]) : [hosts]
    const [pre, post] = rebootHooks(ctx)
    const driver = proxyDriver(ctx.config)
    return task.newListr(
      groups.map((group) => ({
        title: group.join(', '),
        task: (_: DeployContext, t: Task) =>
          t.newListr([
            runHook(pre, { hosts: () => group }),
            {
              title: 'Reboot',
              task: (_: DeployContext, r: Task) =>
                fanOut(
                  r,
                  group.map((host) => ({
                    title: host,
                    host,
                    run: async (cc, rt) => {
                      say(rt, `Replacing ${driver.container(cc.config)}`)
                      await record(cc, host, 'Rebooted')
                      await driver.reboot(proxyHost(cc, host))
                    },
                  })),
                ),
            },
            runHook(post, { hosts: () => group }),
          ]),
      })),
    )
  },
})

/** `docker container start <proxy>` on every proxy host, each until it serves. */
export const startProxy = (): DeployTask =>
  onHosts('Start proxy', proxyHosts, async (ctx, host) => {
    await record(ctx, host, 'Started')
    await proxyDriver(ctx.config).start(proxyHost(ctx, host))
  })

/** `docker container stop <proxy>` on every proxy host. */
export const stopProxy = (): DeployTask =>
  simple('Stop proxy', (ctx) => audited(ctx, `Stopped ${auditName(ctx)}`, proxyDriver(ctx.config).stop(ctx.config)))

/** Stop, then start the proxy container on every proxy host (Kamal's `traefik restart`), each until it serves. */
export const restartProxy = (): DeployTask =>
  onHosts('Restart proxy', proxyHosts, async (ctx, host) => {
    const driver = proxyDriver(ctx.config)
    const name = auditName(ctx)
    const stop = andAll(
      auditRecord(ctx, `Stopped ${name}`),
      driver.stop(ctx.config),
      auditRecord(ctx, `Started ${name}`),
    )
    await ctx.remote(host).run(stop, { signal: ctx.signal })
    await driver.start(proxyHost(ctx, host))
  })

/** `docker ps` of the proxy container on every proxy host, reported per host after all answered. */
export const proxyDetails = (): DeployTask =>
  perHostOutput(
    'Proxy details',
    async (ctx, host) =>
      (await ctx.remote(host).run(proxyDriver(ctx.config).details(ctx.config), { signal: ctx.signal })).stdout,
  )

/** Options of {@link proxyLogs} (Kamal's `traefik logs -n -s -g -f`). */
export type ProxyLogsOptions = LogsParams

/** The proxy container's logs on every proxy host, reported per host; with `follow`, streamed from every host at once until Ctrl-C. */
export const proxyLogs = (options: ProxyLogsOptions = {}): DeployTask =>
  options.follow
    ? followLogs('Proxy logs', (ctx) =>
        proxyHosts(ctx).map((host) => ({
          host,
          label: host,
          grep: options.grep !== undefined,
          command: proxyDriver(ctx.config).logs(ctx.config, options),
        })),
      )
    : perHostOutput('Proxy logs', async (ctx, host) => {
        const result = await ctx.remote(host).run(proxyDriver(ctx.config).logs(ctx.config, options), {
          signal: ctx.signal,
          allowFailure: options.grep !== undefined, // grep exits 1 when nothing matches
        })
        return result.stdout
      })

/** Stop the proxy, remove its container and its image on every proxy host (Kamal's `traefik remove`). */
export const removeProxy = (): DeployTask =>
  onHosts('Remove proxy', proxyHosts, async (ctx, host) => {
    const name = auditName(ctx)
    const lines = andAll(auditRecord(ctx, `Removed ${name} container`), auditRecord(ctx, `Removed ${name} image`))
    await ctx.remote(host).run(lines, { signal: ctx.signal })
    await proxyDriver(ctx.config).remove(proxyHost(ctx, host))
  })

// The audit log names the proxy as Kamal does: `traefik` (1.x) where the traefik words manage it, else `proxy` (2.x).
const auditName = (ctx: DeployContext): string =>
  proxyDriver(ctx.config).entries.includes('traefik') ? 'traefik' : 'proxy'

// The driver runs several commands for these, so their audit line takes a round trip of its own.
const record = async (ctx: DeployContext, host: string, verb: string): Promise<void> =>
  void (await ctx.remote(host).run(auditRecord(ctx, `${verb} ${auditName(ctx)}`), { signal: ctx.signal }))

/** The reboot hooks of the configured proxy kind. */
const rebootHooks = (ctx: DeployContext): readonly [HookName, HookName] => proxyDriver(ctx.config).rebootHooks

const simple = (title: string, command: (ctx: DeployContext) => Command): DeployTask =>
  onHosts(
    title,
    proxyHosts,
    async (ctx, host) => void (await ctx.remote(host).run(command(ctx), { signal: ctx.signal })),
  )

// Host output goes to the run's report (printed on stdout after the tree), in host order.
const perHostOutput = (
  title: string,
  read: (ctx: DeployContext, host: string, task: Task) => Promise<string>,
): DeployTask =>
  reportOnHosts(title, proxyHosts, async (ctx, host, task) => [
    { header: `Host: ${host}`, text: await read(ctx, host, task) },
  ])

const say = (task: Task, text: string): void => void (task.output = text)
