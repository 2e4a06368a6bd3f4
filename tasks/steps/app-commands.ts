import type { Role } from '../../lib/config/types.ts'
import type { DeployContext, DeployTask } from '../../lib/context.ts'
import { CommandError, DeployError } from '../../lib/errors.ts'
import * as app from '../../lib/commands/app.ts'
import * as health from '../../lib/commands/health.ts'
import { containerName } from '../../lib/commands/naming.ts'
import { audited } from './audit.ts'
import { onHosts, reportOnHosts, type ReportBlock, type Task } from './fan-out.ts'
import { followLogs } from './follow.ts'

// Kamal's `app start|stop|details|containers|images|logs|version|stale_containers|remove` as task
// factories. Read-only ones put `Host: …` blocks in ctx.report.lines (printed on stdout after the
// tree, in host order, once every host answered); cli/app.ts wraps the changing ones in withLock.

/** `docker start` of this run's version (`--version`, VERSION or git HEAD) for every role on every host, then waits until each is ready. */
export const startApp = (): DeployTask =>
  perRole('Start app', async (ctx, host, role, task) => {
    const name = containerName(ctx.config, role, ctx.version)
    task.output = `Starting ${name}`
    const remote = ctx.remote(host)
    const start = audited(ctx, `Started app version ${ctx.version}`, app.start(ctx.config, role, ctx.version), {
      role: role.name,
    })
    await remote.run(start, { signal: ctx.signal })
    // Kamal returns at once; waiting here means "started" also means "serving" when this returns.
    const ready = await remote.run(health.waitHealthy(ctx.config, role, name), {
      allowFailure: true,
      signal: ctx.signal,
    })
    const status = ready.stdout.trim().split('\n').pop() || 'unknown'
    if (ready.exitCode !== 0) throw new DeployError(`${host}: ${name} started but is not ready (${status})`)
    task.output = `${name} is ${status}`
  })

/** Stops the current container of every role on every host (Kamal's `app stop`); a proxy then answers 502. */
export const stopApp = (): DeployTask =>
  perRole('Stop app', async (ctx, host, role) => {
    const stop = audited(ctx, 'Stopped app', app.stopCurrent(ctx.config, role), { role: role.name })
    await ctx.remote(host).run(stop, { signal: ctx.signal })
  })

/** `docker ps` of each role's containers, per host. */
export const appDetails = (): DeployTask =>
  reportRoles(
    'App details',
    async (ctx, host, role) =>
      (await ctx.remote(host).run(app.details(ctx.config, role), { signal: ctx.signal })).stdout,
  )

/** Every container of the service on each host, in any state: the versions a rollback can use. */
export const appContainers = (): DeployTask =>
  reportHosts(
    'App containers',
    async (ctx, host) => (await ctx.remote(host).run(app.containers(ctx.config), { signal: ctx.signal })).stdout,
  )

/** `docker image ls <repository>` on each host. */
export const appImages = (): DeployTask =>
  reportHosts(
    'App images',
    async (ctx, host) => (await ctx.remote(host).run(app.images(ctx.config), { signal: ctx.signal })).stdout,
  )

/** Options of {@link appLogs} (Kamal's `app logs -s -n -g -o`). */
export interface AppLogsOptions {
  readonly since?: string | undefined
  /** Default 100, or all when `since` or `grep` is given (as Kamal). */
  readonly lines?: number | undefined
  readonly grep?: string | undefined
  readonly grepOptions?: string | undefined
}

/** The current container's logs of each role on each host; "Nothing found" when grep matches nothing or nothing runs. */
export const appLogs = ({ since, lines, grep, grepOptions }: AppLogsOptions = {}): DeployTask =>
  reportRoles('App logs', async (ctx, host, role) => {
    const tail = lines ?? (since !== undefined || grep !== undefined ? undefined : 100)
    const result = await ctx.remote(host).run(app.logs(ctx.config, role, { since, lines: tail, grep, grepOptions }), {
      allowFailure: true,
      signal: ctx.signal,
    })
    if (result.exitCode === 0) return result.stdout
    // grep exits 1 for no match; the lookup says "no running container": both are answers, not failures.
    if (result.exitCode === 1 && (grep !== undefined || /no running container/.test(result.stderr)))
      return 'Nothing found'
    throw new CommandError(host, 'docker logs', result.exitCode, result.stderr, result.stdout)
  })

/** `logs -f`: the current container of each role on each host, streamed with timestamps until Ctrl-C (the last 10 lines first, as Kamal). */
export const followAppLogs = ({ since, lines, grep, grepOptions }: AppLogsOptions = {}): DeployTask =>
  followLogs('App logs', (ctx) =>
    ctx.selection.hosts.flatMap((host) =>
      ctx.selection.rolesOn(host).map((role) => ({
        host,
        label: `${host} (${role.name})`,
        grep: grep !== undefined,
        command: app.logs(ctx.config, role, {
          since,
          lines: lines ?? (since !== undefined || grep !== undefined ? undefined : 10),
          grep,
          grepOptions,
          follow: true,
          timestamps: true,
        }),
      })),
    ),
  )

/** The version of the current container on each host (its first role), or "(none)". */
export const appVersion = (): DeployTask =>
  reportHosts('App version', async (ctx, host) => {
    const role = ctx.selection.rolesOn(host)[0]!
    return (
      (await ctx.remote(host).run(app.currentRunningVersion(ctx.config, role), { signal: ctx.signal })).stdout.trim() ||
      '(none)'
    )
  })

/** Running containers that are not the current one, per role; with `stop`, stops them too. */
export const staleContainers = ({ stop = false }: { stop?: boolean } = {}): DeployTask =>
  reportRoles(stop ? 'Stop stale containers' : 'Stale containers', async (ctx, host, role) => {
    const out = await ctx.remote(host).run(app.staleContainers(ctx.config, role, { stop }), { signal: ctx.signal })
    const versions = out.stdout.split('\n').filter(Boolean)
    const verb = stop ? 'Stopped stale container' : 'Stale container'
    return versions.map((v) => `${verb} for role ${role.name} with version ${v}`).join('\n') || '(none)'
  })

/**
 * Kamal's `app remove`: stop the current and any stale container, prune the service's stopped
 * containers of each role, then every image of the service not used by a container.
 */
export const removeApp = (): DeployTask =>
  onHosts(
    'Remove app',
    (ctx) => ctx.selection.hosts,
    async (ctx, host, task) => {
      const remote = ctx.remote(host)
      const { config, signal } = ctx
      for (const role of ctx.selection.rolesOn(host)) {
        task.output = `Removing ${role.name} containers`
        await remote.run(audited(ctx, 'Removed app', app.stopCurrent(config, role), { role: role.name }), { signal })
        // Kamal stops only the current one; a stale running container would survive the prune.
        await remote.run(app.staleContainers(config, role, { stop: true }), { signal })
        await remote.run(app.removeContainers(config, role), { signal })
      }
      task.output = 'Removing images'
      await remote.run(app.removeImages(config), { signal })
    },
  )

type RoleJob = (ctx: DeployContext, host: string, role: Role, task: Task) => Promise<void>
type Read<T extends unknown[]> = (ctx: DeployContext, host: string, ...rest: T) => Promise<string>

/** One subtask per host, running `job` for each selected role on it in order. */
const perRole = (title: string, job: RoleJob): DeployTask =>
  onHosts(
    title,
    (ctx) => ctx.selection.hosts,
    async (ctx, host, task) => {
      for (const role of ctx.selection.rolesOn(host)) await job(ctx, host, role, task)
    },
  )

/** `Host: <host>` blocks of each host's output, in host order, once every host answered. */
const reportHosts = (title: string, read: Read<[]>): DeployTask =>
  reportOnHosts(
    title,
    (ctx) => ctx.selection.hosts,
    async (ctx, host) => [{ header: `Host: ${host}`, text: await read(ctx, host) }],
  )

/** `Host: <host> (<role>)` blocks, one per selected role on each host. */
const reportRoles = (title: string, read: Read<[Role]>): DeployTask =>
  reportOnHosts(
    title,
    (ctx) => ctx.selection.hosts,
    async (ctx, host) => {
      const blocks: ReportBlock[] = []
      for (const role of ctx.selection.rolesOn(host))
        blocks.push({ header: `Host: ${host} (${role.name})`, text: await read(ctx, host, role) })
      return blocks
    },
  )
