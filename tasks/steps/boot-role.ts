import { randomBytes } from 'node:crypto'
import type { Env, Role } from '../../lib/config/types.ts'
import type { DeployContext } from '../../lib/context.ts'
import { CancelledError, CommandError, HealthcheckError, HostLostError } from '../../lib/errors.ts'
import type { Barrier } from '../../lib/run/barrier.ts'
import { envFor } from '../../lib/config/env.ts'
import * as app from '../../lib/commands/app.ts'
import * as health from '../../lib/commands/health.ts'
import * as naming from '../../lib/commands/naming.ts'
import { envFileContent } from '../../lib/commands/env-file.ts'
import type { Executor } from '../../lib/exec/executor.ts'
import { and, cmd, render } from '../../lib/shell/command.ts'
import { andAll } from '../../lib/commands/args.ts'
import type { ProxyDriver } from '../../lib/proxy/driver.ts'
import { audited } from './audit.ts'
import type { Task } from './fan-out.ts'

/** What the boot of one role on one host shares with the boot of the others. */
export interface BootParams {
  readonly host: string
  readonly role: Role
  readonly barrier: Barrier
  readonly driver: ProxyDriver
  /** Names this run's cord dirs (Kamal's run_id). */
  readonly runId: string
}

/** One role's boot on one host, as every phase sees it. */
interface RoleBoot extends BootParams {
  readonly ctx: DeployContext
  readonly remote: Executor
  /** The primary role: its first healthy container opens the barrier, and its failure closes it. */
  readonly gatekeeper: boolean
  /** The new container's name. */
  readonly name: string
  /** Unique to the new container (its name is not, in a same-version redeploy). */
  readonly instance: string
  /** The role's env on this host (its secrets go to the env file). */
  readonly env: Env
  /** The new container's `docker run`/`create` parameters, given its cord dir. */
  readonly container: (cordHostDir: string | undefined) => app.RunParams
  /** How the new container's first health check is made early (health.ts `earlyCheck`). */
  readonly early: health.EarlyCheck
  /** The `--health-cmd` the new container gets, if slipway sets one. */
  readonly healthCommand: string | undefined
  readonly say: (line: string) => void
  /** What the boot is doing now, for the message when the host is lost (`waiting for … to be healthy`). */
  step: string
}

/**
 * Boots `role` on `host` in named phases: prepare (and create, for a role that will wait), pass the
 * barrier, start the new container, wait until it is healthy, then retire the old one. Until the
 * cutover, whatever fails or is cancelled leaves the old container serving and the new one stopped
 * or removed.
 */
export async function bootRole(ctx: DeployContext, task: Task, params: BootParams): Promise<void> {
  const boot = roleBoot(ctx, task, params)
  const verdict = boot.gatekeeper ? boot.barrier.booting() : undefined
  // A same-version container renamed aside by the prepare: until the cutover it is the one serving.
  let renamedAside: string | undefined
  try {
    const { home, oldContainer, renamed, created } = await prepare(boot)
    renamedAside = renamed
    await passBarrier(boot, { created })
    await startAndWait(boot, { home, created })
    verdict?.done()
    if (boot.gatekeeper && boot.barrier.open())
      boot.say(`First ${boot.role.name} container is healthy on ${boot.host}, booting any other roles`)
    renamedAside = undefined
    await retireOld(boot, oldContainer)
  } catch (error) {
    if (error instanceof HostLostError) throw error.during(boot.host, boot.step)
    // The one renamed aside gets its name back: the next deploy finds it as the current container.
    if (renamedAside) await restoreName(boot, renamedAside)
    throw error
  } finally {
    // A primary boot that ended before a verdict (its host lost, its prepare failed) closes the
    // barrier only if no other primary container is left to decide it.
    if (verdict?.undecided()) boot.say(`No ${boot.role.name} container can become healthy, not booting any other roles`)
  }
  boot.say(`${boot.name} is serving`)
}

function roleBoot(ctx: DeployContext, task: Task, params: BootParams): RoleBoot {
  const { config, version, selection } = ctx
  const { host, role, driver } = params
  const env = envFor(config, role, host)
  // Unique to this boot's new container: its hostname suffix, and how a proxy tells it from a
  // same-version container that had its name before.
  const instance = randomBytes(6).toString('hex')
  const extras = role.proxy ? driver.appRun(config, role, { version, host, instance }) : undefined
  const api = ctx.found.apiVersions.get(host)
  const early = health.earlyCheck(role, { api, routesOnDockerHealth: driver.routesOnDockerHealth })
  const cord = extras?.cord && role.healthcheck.cord !== false ? role.healthcheck.cord : undefined
  return {
    ...params,
    ctx,
    remote: ctx.remote(host),
    gatekeeper: role.name === selection.primaryRole.name,
    name: naming.containerName(config, role, version),
    instance,
    env,
    container: (cordHostDir) => ({
      version,
      host,
      env,
      hostnameSuffix: instance,
      cordHostDir: extras?.cord ? cordHostDir : undefined,
      labels: extras?.labels,
      extraArgs: extras?.args,
      startInterval: early === 'start-interval',
    }),
    early,
    healthCommand: role.healthArgs ? app.healthCommand(role, cord) : undefined,
    say: (line) => void (task.output = line),
    step: `preparing ${role.name}`,
  }
}

/**
 * One round trip: bootPrepare (run dir, env file from stdin, same-version container renamed, the
 * current container), and for a role that will wait at the barrier its `docker create`, so only
 * `docker start` is left once the barrier opens (the create is a good part of a `docker run`: figures
 * in docs/benchmarks.md). The create's cord dir is relative, resolved on the host, because home is
 * only known from this very round trip. A failed create reads as its own CommandError, as a failed
 * `docker run` would.
 */
async function prepare(
  boot: RoleBoot,
): Promise<{ home: string; oldContainer: string | undefined; renamed: string | undefined; created: boolean }> {
  const { ctx, role, remote, name, gatekeeper, barrier, runId } = boot
  const { config, version } = ctx
  const create =
    !gatekeeper && barrier.state === 'waiting'
      ? app.create(config, role, boot.container(naming.cordDir(config, role, runId)))
      : undefined
  const prepare = audited(
    ctx,
    `Booted app version ${version}`,
    app.bootPrepare(config, role, { version, renameSuffix: randomBytes(8).toString('hex') }),
    { role: role.name },
  )
  let stdout: string
  try {
    const stdin = envFileContent(boot.env)
    stdout = (await remote.run(create ? and(prepare, create) : prepare, { stdin })).stdout
  } catch (error) {
    // `current=` is the prepare's last answer: with it, the prepare ran through and the create failed.
    if (create && error instanceof CommandError && /^current=/m.test(error.stdout)) {
      throw new CommandError(remote.host, render(create, { redact: true }), error.exitCode, error.stderr)
    }
    throw error
  }
  const prepared = app.parsePrepare(stdout)
  const oldContainer = prepared.current && prepared.current !== name ? prepared.current : prepared.renamed
  return { home: prepared.home, oldContainer, renamed: prepared.renamed, created: create !== undefined }
}

/** Any role but the primary waits until a primary container is healthy; a cancel or a closed barrier removes what it created. */
async function passBarrier(boot: RoleBoot, { created }: { created: boolean }): Promise<void> {
  const { ctx, host, role, barrier, say } = boot
  const primary = ctx.selection.primaryRole.name
  if (!boot.gatekeeper) {
    if (barrier.state === 'waiting')
      say(`Waiting for the first healthy ${primary} container before booting ${role.name} on ${host}...`)
    try {
      await barrier.wait(ctx.signal)
    } catch (error) {
      // The created container never ran: remove it, and the old one keeps running untouched.
      if (created) await removeCreated(boot)
      if (ctx.signal.aborted) throw new CancelledError(`${host}: cancelled before booting ${role.name}`)
      throw new HealthcheckError(`${host}: first ${primary} container is unhealthy, not booting ${role.name}`, {
        cause: error,
      })
    }
  }
  if (ctx.signal.aborted) {
    if (created) await removeCreated(boot)
    throw new CancelledError(`${host}: cancelled before booting ${role.name}`)
  }
}

/**
 * Starts the new container and waits until it is healthy, in ONE round trip: `docker start` of the
 * created container (else `docker run`), a marker line, then the wait, which the marker's arrival
 * (streamed) announces. A failed start reads as its own CommandError, as before, and a created
 * container is removed again; a failed wait goes to {@link failedWait}. The whole round trip is
 * cancellable: a Ctrl-C during the start stops whatever it started, as one during the wait does.
 */
async function startAndWait(boot: RoleBoot, { home, created }: { home: string; created: boolean }): Promise<void> {
  const { ctx, role, remote, runId, name, say } = boot
  const { config, version } = ctx
  say(`Starting ${name}`)
  boot.step = `starting ${name}`
  const start = created
    ? app.start(config, role, version)
    : app.run(config, role, boot.container(naming.cordHostDir(config, role, { home, runId })))
  const checkEvery = boot.early === 'own' ? health.EARLY_CHECK_SECONDS : undefined
  const wait = health.waitHealthy(config, role, name, { checkEvery, checkCommand: boot.healthCommand })
  const waiting = (): void => {
    say(`Waiting for ${name} to be healthy`)
    boot.step = `waiting for ${name} to be healthy`
  }
  try {
    const { stdout } = await remote.run(andAll(start, cmd('echo', STARTED), wait), {
      signal: ctx.signal,
      onOutput: (line) => void (line === STARTED && waiting()),
    })
    if (health.passedOwnCheck(stdout)) say(`${name} passed its health check (Docker's first check is still to come)`)
  } catch (error) {
    if (error instanceof CommandError && !error.stdout.split('\n').includes(STARTED)) {
      if (created) await removeCreated(boot)
      throw new CommandError(remote.host, render(start, { redact: true }), error.exitCode, error.stderr)
    }
    await failedWait(boot, error)
  }
}

/** The line between the start and the wait in {@link startAndWait}'s round trip. */
const STARTED = 'slipway:started'

/**
 * The new container is not healthy (or its host was lost, or the wait was cancelled): a primary
 * closes the barrier, the container's logs and health checks are gathered, and it is stopped, so
 * the old one keeps serving. Always throws.
 */
async function failedWait(boot: RoleBoot, error: unknown): Promise<never> {
  const { ctx, host, role, remote, name, gatekeeper, say } = boot
  const { config } = ctx
  // A lost host says nothing about the new version: bootRole's verdict decides what it means.
  const lost = error instanceof HostLostError
  const closedIt = gatekeeper && !lost && boot.barrier.close()
  if (closedIt) say(`First ${role.name} container is unhealthy on ${host}, not booting any other roles`)
  // The logs are shown once for the primary role (by the host that closed the barrier; the
  // others failed the same way) and for every failing container of the other roles.
  const report =
    !lost && (closedIt || !gatekeeper)
      ? await remote.run(health.failureReport(config, role, name), { allowFailure: true }).catch(() => undefined)
      : undefined
  const detail = report ? health.describeFailure(report.stdout) : ''
  await remote.run(app.stopContainer(config, name), { allowFailure: true }).catch(() => undefined)
  if (lost) throw error
  if (ctx.signal.aborted) throw new CancelledError(`${host}: cancelled while ${name} was starting; it was stopped`)
  const status =
    error instanceof CommandError ? (health.finalStatus(error.stdout) ?? error.stderr.trim()) : String(error)
  throw new HealthcheckError(
    `${host}: ${name} did not become healthy (${status || 'unknown'})${detail ? `\n${detail}` : ''}`,
    { cause: error },
  )
}

/**
 * A proxied role's switch, drain and stop are one driver call; any other role just stops. The stop
 * takes every running container of the role but the new one: the old one, and any a run that lost
 * this host left running unrouted, so nothing but the new version keeps running.
 */
async function retireOld(boot: RoleBoot, oldContainer: string | undefined): Promise<void> {
  const { ctx, host, role, remote, say } = boot
  const stopOld = app.stopAllBut(ctx.config, role, boot.name)
  boot.step = `switching ${role.name} to ${boot.name}`
  if (role.proxy) {
    const { name: newContainer, instance } = boot
    const params = { host, newContainer, instance, oldContainer, stopOld, signal: ctx.signal, log: say }
    await boot.driver.cutover(remote, ctx.config, role, params)
  } else {
    if (oldContainer) say(`Stopping ${oldContainer}`)
    await remote.run(stopOld, { allowFailure: true })
  }
}

/** The failed new container steps aside (`<name>_failed_<hex>`, kept for `docker logs`); the renamed one gets its name back. */
async function restoreName({ remote, name, say }: RoleBoot, renamed: string): Promise<void> {
  const restored = await remote
    .run(app.restoreRenamed(name, renamed, `${name}_failed_${randomBytes(4).toString('hex')}`), { allowFailure: true })
    .catch(() => undefined)
  say(restored?.exitCode === 0 ? `${renamed} is ${name} again` : `Could not rename ${renamed} back to ${name}`)
}

async function removeCreated({ ctx, role, remote, name, say }: RoleBoot): Promise<void> {
  const removed = await remote
    .run(app.removeContainer(ctx.config, role, ctx.version), { allowFailure: true })
    .catch(() => undefined)
  if (removed?.exitCode !== 0) say(`Could not remove the created container ${name}`)
}
