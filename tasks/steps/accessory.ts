import type { Accessory } from '../../lib/config/types.ts'
import type { DeployContext, DeployTask } from '../../lib/context.ts'
import { DeployError } from '../../lib/errors.ts'
import * as accessoryCmd from '../../lib/commands/accessory.ts'
import * as registry from '../../lib/commands/registry.ts'
import { andAll } from '../../lib/commands/args.ts'
import { envFileContent, removeEnvFile } from '../../lib/commands/env-file.ts'
import { accessoryEnvFilePath } from '../../lib/commands/naming.ts'
import { seq } from '../../lib/shell/command.ts'
import { fanOut, type Task } from './fan-out.ts'
import { auditRecord, audited } from './audit.ts'
import { accessoriesNamed, hostPlan, readAccessoryFiles, type LocalFile } from './accessory-select.ts'

// Kamal's `accessory boot|reboot|start|stop|restart|remove` as task factories. Each host runs its
// accessories one after another (their `docker login`s share one config.json); hosts run in
// parallel, and every host finishes before failures are reported together. Callers hold the lock.

/**
 * Boots accessory `name` (or `all`) on its hosts: env file and directories, `files:` uploads, then
 * `docker login && docker run`: 2 + (number of files) round trips per host and accessory.
 */
export const bootAccessory = (name: string, options: BootAccessoryOptions = {}): DeployTask =>
  perHost(`Boot accessory ${name}`, name, options.skipExisting ? 'boot-missing' : 'boot')

/** Options of {@link bootAccessory}. */
export interface BootAccessoryOptions {
  /**
   * Leave a host alone when the accessory's container exists there (any state), instead of failing:
   * for recipes that run on every deploy, e.g. `withLock([bootAccessory('db', { skipExisting: true }), bootApp()])`.
   * @default false
   */
  readonly skipExisting?: boolean
}

/** Uploads first (the old container keeps running meanwhile), then stop, remove the container and boot it again. */
export const rebootAccessory = (name: string): DeployTask => perHost(`Reboot accessory ${name}`, name, 'reboot')

/** `docker container start` of one accessory (or `all`) on its hosts. */
export const startAccessory = (name: string): DeployTask =>
  perHost(`Start accessory ${name}`, name, async (ctx, host, accessory) => {
    const start = audited(ctx, `Started ${accessory.name} accessory`, accessoryCmd.start(ctx.config, accessory))
    await ctx.remote(host).run(start, { signal: ctx.signal })
  })

/** `docker container stop` on its hosts; a container that is not there is not an error (as Kamal). */
export const stopAccessory = (name: string): DeployTask =>
  perHost(`Stop accessory ${name}`, name, async (ctx, host, accessory, task) => {
    const result = await ctx
      .remote(host)
      .run(audited(ctx, `Stopped ${accessory.name} accessory`, accessoryCmd.stop(ctx.config, accessory)), {
        allowFailure: true,
        signal: ctx.signal,
      })
    if (result.exitCode !== 0) task.output = `${accessory.service} was not running: ${result.stderr.trim()}`
  })

/** Stop then start, in one round trip per host. */
export const restartAccessory = (name: string): DeployTask =>
  perHost(`Restart accessory ${name}`, name, async (ctx, host, accessory) => {
    await ctx
      .remote(host)
      .run(
        seq(
          audited(ctx, `Stopped ${accessory.name} accessory`, accessoryCmd.stop(ctx.config, accessory)),
          audited(ctx, `Started ${accessory.name} accessory`, accessoryCmd.start(ctx.config, accessory)),
        ),
        {
          signal: ctx.signal,
        },
      )
  })

/** Kamal's `accessory remove`: stop, remove the container and image, delete `<home>/<service>`; slipway also deletes its env file (secrets). */
export const removeAccessory = (name: string): DeployTask =>
  perHost(`Remove accessory ${name}`, name, async (ctx, host, accessory) => {
    // home '.': ssh commands start in the home directory, so `./<service>` is the service dir without a `pwd` round trip.
    const remove = accessoryCmd.remove(ctx.config, accessory, { home: '.' })
    await ctx
      .remote(host)
      .run(
        audited(
          ctx,
          `Removed ${accessory.name} accessory`,
          andAll(remove, removeEnvFile(accessoryEnvFilePath(ctx.config, accessory))),
        ),
        { signal: ctx.signal },
      )
  })

type Job = (
  ctx: DeployContext,
  host: string,
  accessory: Accessory,
  task: Task,
  files: readonly LocalFile[],
) => Promise<void>

/** One subtask per host, running `job` for each named accessory on it; `files:` are read once, before any host is touched. */
function perHost(title: string, name: string, job: Job | BootMode): DeployTask {
  const run: Job = typeof job === 'string' ? (c, h, a, t, f) => boot(c, h, a, t, f, job) : job
  return {
    title,
    task: async (ctx, task) => {
      const accessories = accessoriesNamed(ctx, name)
      const plan = hostPlan(ctx, accessories)
      if (plan.size === 0)
        return task.skip(`${title}: no hosts${ctx.flags.hosts || ctx.flags.primary ? ' match the host filter' : ''}`)
      const files =
        typeof job === 'string'
          ? new Map(
              await Promise.all(accessories.map(async (a) => [a.name, await readAccessoryFiles(ctx, a)] as const)),
            )
          : undefined
      return fanOut(
        task,
        [...plan].map(([host, list]) => ({
          title: host,
          host,
          run: async (c, t) => {
            for (const accessory of list) {
              t.output = `${accessory.name} (${accessory.service})`
              await run(c, host, accessory, t, files?.get(accessory.name) ?? [])
            }
          },
        })),
      )
    },
  }
}

type BootMode = 'boot' | 'boot-missing' | 'reboot'

async function boot(
  ctx: DeployContext,
  host: string,
  accessory: Accessory,
  task: Task,
  files: readonly LocalFile[],
  mode: BootMode,
): Promise<void> {
  const { config, signal } = ctx
  const remote = ctx.remote(host)
  task.output = `Preparing ${accessory.service}`
  const prepared = await remote.run(accessoryCmd.bootPrepare(config, accessory), {
    stdin: envFileContent(accessory.env),
    signal,
  })
  const { home, state } = accessoryCmd.parsePrepare(prepared.stdout)
  if (mode !== 'reboot' && state !== undefined) {
    if (mode === 'boot-missing') return void (task.output = `${accessory.service} exists (${state}): left as it is`)
    // Checked before the uploads, so a running accessory's mounted files are not rewritten under it.
    throw new DeployError(
      `${host}: accessory ${accessory.name} is already booted (container ${accessory.service} is ${state}): use reboot to replace it`,
    )
  }
  for (const file of files) {
    task.output = `Uploading ${file.remote}`
    await remote.run(accessoryCmd.uploadFile(accessoryCmd.filePath(accessory, home, file.remote)), {
      stdin: file.content,
      signal,
    })
  }
  task.output = `Starting ${accessory.service}`
  const start = andAll(
    auditRecord(ctx, `Booted ${accessory.name} accessory`),
    registry.login(config),
    accessoryCmd.run(config, accessory, { home }),
  )
  // Reboot stops the old container only now, after the uploads: its downtime is one round trip.
  const command =
    mode === 'reboot'
      ? seq(accessoryCmd.stop(config, accessory), andAll(accessoryCmd.removeContainer(config, accessory), start))
      : start
  await remote.run(command, { stdin: registry.passwordStdin(config), signal })
  task.output = `${accessory.service} is running`
}
