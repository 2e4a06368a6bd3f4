import type { DeployContext, DeployTask, Flags } from '../../lib/context.ts'
import { DeployError } from '../../lib/errors.ts'
import { parseProxyFlags, type ProxySubcommand } from '../../lib/proxy/cli.ts'
import type { Executor } from '../../lib/exec/executor.ts'
import type { HookName } from '../../lib/hooks.ts'
import type { Command } from '../../lib/shell/command.ts'
import * as proxy from '../../lib/commands/proxy.ts'
import * as registry from '../../lib/commands/registry.ts'
import * as traefik from '../../lib/commands/traefik.ts'
import { envFileContent, writeEnvFile } from '../../lib/commands/env-file.ts'
import { fanOut, onHosts, reportOnHosts, type Task } from './fan-out.ts'
import { runHook } from './hooks.ts'
import { runLoggedIn } from './registry-login.ts'
import { withLock } from './lock.ts'

// The proxy as discrete tasks (Kamal's `traefik boot|reboot|start|stop|…`, Kamal 2's `proxy …`),
// for whichever proxy `proxy.kind` selects. Each runs on the proxy hosts of the selection: hosts
// with at least one role behind the proxy. Every host runs to completion; failures come together.

/** Selected hosts that run a proxied role. */
export const proxyHosts = (ctx: DeployContext): string[] =>
  ctx.selection.hosts.filter((host) => ctx.selection.rolesOn(host).some((role) => role.proxy))

/** Start the proxy where it is stopped, run it where it does not exist (`docker start || docker run`). */
export const bootProxy = (): DeployTask =>
  onHosts('Boot proxy', proxyHosts, async (ctx, host, task) => {
    const remote = ctx.remote(host)
    const { config } = ctx
    say(task, `${proxy.containerName(config)} (${proxy.image(config)})`)
    if (config.proxy.kind === 'traefik') {
      await writeTraefikEnv(ctx, remote)
      // Kamal logs in before every traefik boot; a host this run already logged in needs no second login.
      await runLoggedIn(ctx, host, traefik.startOrRun(config))
    } else {
      // Where caddy already runs its image, the boot is a config load: no login, no start, no wait.
      await caddyRun(ctx, host, (login) => proxy.caddyBoot(config, { login }))
    }
  })

/** Options of {@link rebootProxy}. */
export interface RebootOptions {
  /** One host at a time (hooks around each), instead of all proxy hosts at once. */
  readonly rolling?: boolean
}

/**
 * Replace the proxy container with a fresh one (picks up changed proxy config), host group by host
 * group, with the pre/post reboot hooks around each group: `pre-traefik-reboot`/`post-traefik-reboot`
 * for traefik, `pre-proxy-reboot`/`post-proxy-reboot` for caddy.
 */
export const rebootProxy = ({ rolling = false }: RebootOptions = {}): DeployTask => ({
  title: rolling ? 'Reboot proxy (rolling)' : 'Reboot proxy',
  task: (ctx, task) => {
    const hosts = proxyHosts(ctx)
    const groups = rolling ? hosts.map((host) => [host]) : [hosts]
    const [pre, post] = rebootHooks(ctx)
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
                  group.map((host) => ({ title: host, run: (cc, rt) => rebootOn(cc, host, rt) })),
                ),
            },
            runHook(post, { hosts: () => group }),
          ]),
      })),
    )
  },
})

/** `docker container start <proxy>` on every proxy host (then, for caddy, until it serves). */
export const startProxy = (): DeployTask =>
  onHosts('Start proxy', proxyHosts, async (ctx, host) => {
    await ctx.remote(host).run(proxy.start(ctx.config), { signal: ctx.signal })
    await ready(ctx, ctx.remote(host))
  })

/** `docker container stop <proxy>` on every proxy host. */
export const stopProxy = (): DeployTask => simple('Stop proxy', (ctx) => proxy.stop(ctx.config))

/** Stop, then start the proxy container on every proxy host (Kamal's `traefik restart`). */
export const restartProxy = (): DeployTask =>
  onHosts('Restart proxy', proxyHosts, async (ctx, host) => {
    await ctx.remote(host).run(proxy.stop(ctx.config), { signal: ctx.signal })
    await ctx.remote(host).run(proxy.start(ctx.config), { signal: ctx.signal })
    await ready(ctx, ctx.remote(host))
  })

/** `docker ps` of the proxy container on every proxy host, reported per host after all answered. */
export const proxyDetails = (): DeployTask =>
  perHostOutput(
    'Proxy details',
    async (ctx, host) => (await ctx.remote(host).run(proxy.details(ctx.config), { signal: ctx.signal })).stdout,
  )

/** Options of {@link proxyLogs} (Kamal's `traefik logs -n -s -g -f`). */
export type ProxyLogsOptions = proxy.LogsParams

/** The proxy container's logs on every proxy host, reported per host; with `follow` they stream into the task until Ctrl-C. */
export const proxyLogs = (options: ProxyLogsOptions = {}): DeployTask =>
  perHostOutput('Proxy logs', async (ctx, host, task) => {
    const result = await ctx.remote(host).run(proxy.logs(ctx.config, options), {
      signal: ctx.signal,
      allowFailure: options.grep !== undefined, // grep exits 1 when nothing matches
      onOutput: options.follow ? (line) => say(task, line) : undefined,
    })
    return result.stdout
  })

/** Stop the proxy, remove its container and its image on every proxy host (Kamal's `traefik remove`). */
export const removeProxy = (): DeployTask =>
  onHosts('Remove proxy', proxyHosts, async (ctx, host) => {
    const remote = ctx.remote(host)
    await remote.run(proxy.stop(ctx.config), { allowFailure: true, signal: ctx.signal })
    await remote.run(proxy.removeContainer(ctx.config), { signal: ctx.signal })
    await remote.run(proxy.removeImage(ctx.config), { allowFailure: true, signal: ctx.signal })
  })

/** The reboot hooks of the configured proxy kind. */
export const rebootHooks = (ctx: DeployContext): [HookName, HookName] =>
  ctx.config.proxy.kind === 'traefik'
    ? ['pre-traefik-reboot', 'post-traefik-reboot']
    : ['pre-proxy-reboot', 'post-proxy-reboot']

async function rebootOn(ctx: DeployContext, host: string, task: Task): Promise<void> {
  const remote = ctx.remote(host)
  const { config, signal } = ctx
  say(task, `Replacing ${proxy.containerName(config)}`)
  if (config.proxy.kind === 'caddy') {
    await caddyRun(ctx, host, (login) => proxy.caddyReboot(config, { login }))
    return
  }
  await writeTraefikEnv(ctx, remote)
  await remote.run(registry.login(config), { stdin: registry.passwordStdin(config), signal })
  await remote.run(proxy.stop(config), { allowFailure: true, signal })
  await remote.run(proxy.removeContainer(config), { signal })
  await remote.run(traefik.run(config), { signal })
}

// Caddy's boot or reboot round trip, logging in only where this run has not yet (the password then on stdin).
async function caddyRun(ctx: DeployContext, host: string, command: (login: boolean) => Command): Promise<void> {
  const login = !ctx.found.loggedIn.has(host)
  const result = await ctx
    .remote(host)
    .run(command(login), { stdin: login ? registry.passwordStdin(ctx.config) : undefined, signal: ctx.signal })
  if (login && result.stdout.split('\n').includes('logged-in')) ctx.found.loggedIn.add(host)
}

// Caddy: until the (re)started container has loaded its config, so the next host group or step meets a serving proxy.
async function ready(ctx: DeployContext, remote: Executor): Promise<void> {
  const wait = proxy.waitReady(ctx.config)
  if (wait) await remote.run(wait, { signal: ctx.signal })
}

// Traefik's secret env lives in a mode-600 file written from stdin, never in argv.
async function writeTraefikEnv(ctx: DeployContext, remote: Executor): Promise<void> {
  const env = ctx.config.traefik.env
  if (Object.keys(env.secret).length === 0) return
  await remote.run(writeEnvFile(traefik.envFilePath(ctx.config)), { stdin: envFileContent(env), signal: ctx.signal })
}

const simple = (title: string, command: (ctx: DeployContext) => ReturnType<typeof proxy.start>): DeployTask =>
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

/** The steps of one `proxy`/`traefik` subcommand; the changing ones hold the deploy lock, as Kamal's `mutating`. */
export function proxySteps(command: 'proxy' | 'traefik', flags: Flags): DeployTask[] {
  const { subcommand, rolling, logs } = parseProxyFlags(flags)
  const kind: DeployTask = {
    title: 'Check proxy kind',
    enabled: () => command === 'traefik',
    task: (ctx) => {
      if (ctx.config.proxy.kind !== 'traefik')
        throw new DeployError(`proxy.kind is ${ctx.config.proxy.kind}: use tasks/proxy.ts ${subcommand}`)
    },
  }
  const steps: Record<ProxySubcommand, () => DeployTask[]> = {
    boot: () => [withLock([bootProxy()])],
    reboot: () => [withLock([rebootProxy({ rolling })])],
    start: () => [withLock([startProxy()])],
    stop: () => [withLock([stopProxy()])],
    restart: () => [withLock([restartProxy()])],
    details: () => [proxyDetails()],
    logs: () => [proxyLogs(logs)],
    remove: () => [withLock([removeProxy()])],
  }
  return [kind, ...steps[subcommand]()]
}
