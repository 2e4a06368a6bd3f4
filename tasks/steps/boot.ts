import { randomBytes } from 'node:crypto'
import type { DeployContext, DeployTask } from '../../lib/context.ts'
import { Barrier } from '../../lib/run/barrier.ts'
import { pause } from '../../lib/run/pause.ts'
import { proxyDriver } from '../../lib/proxy/index.ts'
import { bootRole } from './boot-role.ts'
import { fanOut, type Subtasks, type Task } from './fan-out.ts'

/**
 * Boots the new version on every selected host, primary hosts first, behind the deployment barrier:
 * non-primary roles `docker create` their container, then wait until a primary-role container is
 * healthy before `docker start` (the primary role, and a role that finds the barrier open, use
 * `docker run`). Hosts boot in groups of `boot.limit` (all at once by default); every host finishes
 * its cleanup before failures are reported together.
 */
export const bootApp = (): DeployTask => ({
  title: 'Boot app',
  task: (ctx, task) => {
    const barrier = new Barrier()
    const driver = proxyDriver(ctx.config)
    // One random id per run names this run's cord dirs (Kamal's run_id).
    const runId = randomBytes(8).toString('hex')
    const hosts = ctx.selection.hosts
    const limit = ctx.config.boot.limit
    const bootGroup = (t: Task, group: readonly string[]): Subtasks =>
      fanOut(
        t,
        group.map((host) => ({
          host,
          title: `${ctx.selection
            .rolesOn(host)
            .map((r) => r.name)
            .join(', ')} on ${host}`,
          run: async (c, ht) => {
            for (const role of c.selection.rolesOn(host)) await bootRole(c, ht, { host, role, barrier, driver, runId })
          },
        })),
      )
    if (!limit || limit >= hosts.length) return bootGroup(task, hosts)
    const groups = chunk(hosts, limit)
    return task.newListr(
      groups.map((group, index) => ({
        title: `Group ${index + 1} of ${groups.length}: ${hostRange(group)}`,
        task: async (c: DeployContext, t: Task) => {
          // boot.wait is the user's explicit pause between groups: the one sleep slipway keeps.
          if (index > 0 && c.config.boot.wait) await pause(c.config.boot.wait, c.signal)
          return bootGroup(t, group)
        },
      })),
    )
  },
})

// A group's hosts as its title: a long list would fill the terminal (and wrap) for every group.
const hostRange = (group: readonly string[]): string =>
  group.length <= 3 ? group.join(', ') : `${group.length} hosts, ${group[0]} … ${group.at(-1)}`

const chunk = <T>(items: readonly T[], size: number): T[][] =>
  Array.from({ length: Math.ceil(items.length / size) }, (_, i) => items.slice(i * size, i * size + size))
