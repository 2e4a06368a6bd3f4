import { randomBytes } from 'node:crypto'
import type { Role } from '../../lib/config/types.ts'
import type { DeployContext, DeployTask } from '../../lib/context.ts'
import { CancelledError, CommandError, HealthcheckError } from '../../lib/errors.ts'
import { Barrier } from '../../lib/run/barrier.ts'
import { pause } from '../../lib/run/pause.ts'
import { envFor } from '../../lib/config/env.ts'
import * as app from '../../lib/commands/app.ts'
import * as health from '../../lib/commands/health.ts'
import * as naming from '../../lib/commands/naming.ts'
import { envFileContent } from '../../lib/commands/env-file.ts'
import { proxyDriver } from '../../lib/proxy/index.ts'
import type { Executor } from '../../lib/exec/executor.ts'
import { and, render, type Command } from '../../lib/shell/command.ts'
import type { ProxyDriver } from '../../lib/proxy/driver.ts'
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
        title: `Group ${index + 1} of ${groups.length}: ${group.join(', ')}`,
        task: async (c: DeployContext, t: Task) => {
          // boot.wait is the user's explicit pause between groups: the one sleep slipway keeps.
          if (index > 0 && c.config.boot.wait) await pause(c.config.boot.wait, c.signal)
          return bootGroup(t, group)
        },
      })),
    )
  },
})

interface BootParams {
  readonly host: string
  readonly role: Role
  readonly barrier: Barrier
  readonly driver: ProxyDriver
  readonly runId: string
}

async function bootRole(
  ctx: DeployContext,
  task: Task,
  { host, role, barrier, driver, runId }: BootParams,
): Promise<void> {
  const { config, version, selection } = ctx
  const remote = ctx.remote(host)
  const gatekeeper = role.name === selection.primaryRole.name
  const name = naming.containerName(config, role, version)
  const say = (line: string): void => void (task.output = line)
  const env = envFor(config, role, host)
  const hostnameSuffix = randomBytes(6).toString('hex')

  const extras = role.proxy ? driver.appRun(config, role, { version, host }) : undefined
  const container = (cordHostDir: string | undefined): app.RunParams => ({
    version,
    host,
    env,
    hostnameSuffix,
    cordHostDir: extras?.cord ? cordHostDir : undefined,
    labels: extras?.labels,
    extraArgs: extras?.args,
  })
  // A role that will wait at the barrier creates its container (image config, filesystem, name) in
  // the prepare round trip, so only `docker start` is left once the barrier opens (the create is
  // 50-120 ms of a 300-470 ms `docker run` on the 2-core sandbox; the start is the rest). The create runs
  // after the prepare script (env file written, same-version container renamed); its cord dir is
  // relative, resolved on the host, because home is only known from this very round trip.
  const create =
    !gatekeeper && barrier.state === 'waiting'
      ? app.create(config, role, container(naming.cordDir(config, role, runId)))
      : undefined
  const prepare = app.bootPrepare(config, role, { version, renameSuffix: randomBytes(8).toString('hex') })
  const prepared = await prepareAndCreate(remote, { prepare, create, stdin: envFileContent(env) })
  const removeCreated = async (): Promise<void> => {
    const removed = await remote
      .run(app.removeContainer(config, role, version), { allowFailure: true })
      .catch(() => undefined)
    if (removed?.exitCode !== 0) say(`Could not remove the created container ${name}`)
  }
  const oldContainer = prepared.current && prepared.current !== name ? prepared.current : prepared.renamed

  if (!gatekeeper) {
    if (barrier.state === 'waiting')
      say(
        `Waiting for the first healthy ${selection.primaryRole.name} container before booting ${role.name} on ${host}...`,
      )
    try {
      await barrier.wait(ctx.signal)
    } catch (error) {
      // The created container never ran: remove it, and the old one keeps running untouched.
      if (create) await removeCreated()
      if (ctx.signal.aborted) throw new CancelledError(`${host}: cancelled before booting ${role.name}`)
      throw new HealthcheckError(
        `${host}: first ${selection.primaryRole.name} container is unhealthy, not booting ${role.name}`,
        { cause: error },
      )
    }
  }
  if (ctx.signal.aborted) {
    if (create) await removeCreated()
    throw new CancelledError(`${host}: cancelled before booting ${role.name}`)
  }

  say(`Starting ${name}`)
  if (create) {
    try {
      await remote.run(app.start(config, role, version))
    } catch (error) {
      await removeCreated()
      throw error
    }
  } else {
    await remote.run(app.run(config, role, container(naming.cordHostDir(config, role, { home: prepared.home, runId }))))
  }

  try {
    say(`Waiting for ${name} to be healthy`)
    await remote.run(health.waitHealthy(config, role, name), { signal: ctx.signal })
  } catch (error) {
    const closedIt = gatekeeper && barrier.close()
    if (closedIt) say(`First ${role.name} container is unhealthy on ${host}, not booting any other roles`)
    // The logs are shown once for the primary role (by the host that closed the barrier; the
    // others failed the same way) and for every failing container of the other roles.
    const report =
      closedIt || !gatekeeper
        ? await remote.run(health.failureReport(config, role, name), { allowFailure: true }).catch(() => undefined)
        : undefined
    const detail = report ? health.describeFailure(report.stdout) : ''
    // Stop the new container: the old one keeps serving.
    await remote.run(app.stopContainer(config, name), { allowFailure: true }).catch(() => undefined)
    if (ctx.signal.aborted) throw new CancelledError(`${host}: cancelled while ${name} was starting; it was stopped`)
    const status = error instanceof CommandError ? error.stdout.trim() || error.stderr.trim() : String(error)
    throw new HealthcheckError(
      `${host}: ${name} did not become healthy (${status || 'unknown'})${detail ? `\n${detail}` : ''}`,
      { cause: error },
    )
  }

  if (gatekeeper && barrier.open()) say(`First ${role.name} container is healthy on ${host}, booting any other roles`)

  // A proxied role's switch, drain and stop of the old container are one driver call (one round trip for caddy).
  const stopOld = oldContainer ? app.stopContainer(config, oldContainer) : undefined
  if (role.proxy)
    await driver.cutover(remote, config, role, {
      host,
      newContainer: name,
      oldContainer,
      stopOld,
      signal: ctx.signal,
      log: say,
    })
  else if (stopOld) {
    say(`Stopping ${oldContainer}`)
    await remote.run(stopOld, { allowFailure: true })
  }
  say(`${name} is serving`)
}

/**
 * One round trip: `bootPrepare` (stdin: the env file), then the `create` when there is one. A failed
 * create reads as the create's own CommandError, as a failed `docker run` did.
 */
async function prepareAndCreate(
  remote: Executor,
  { prepare, create, stdin }: { prepare: Command; create: Command | undefined; stdin: string },
): Promise<app.Prepared> {
  let stdout: string
  try {
    stdout = (await remote.run(create ? and(prepare, create) : prepare, { stdin })).stdout
  } catch (error) {
    // `current=` is the prepare's last answer: with it, the prepare ran through and the create failed.
    if (create && error instanceof CommandError && /^current=/m.test(error.stdout)) {
      throw new CommandError(remote.host, render(create, { redact: true }), error.exitCode, error.stderr)
    }
    throw error
  }
  return app.parsePrepare(stdout)
}

const chunk = <T>(items: readonly T[], size: number): T[][] =>
  Array.from({ length: Math.ceil(items.length / size) }, (_, i) => items.slice(i * size, i * size + size))
