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
import { and, cmd, render, type Command } from '../../lib/shell/command.ts'
import { andAll } from '../../lib/commands/args.ts'
import type { ProxyDriver } from '../../lib/proxy/driver.ts'
import { audited } from './audit.ts'
import { cleanUpAssets, prepareAssets } from './boot-assets.ts'
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
  /** Whether the new container gets a cord (traefik): its dir must be known before `docker run`. */
  readonly tiesCord: boolean
  /** The new container's `docker run`/`create` parameters, given its cord dir. */
  readonly container: (cordHostDir: string | undefined) => app.RunParams
  /** The asset volume the new container mounts at `asset_path` (asset bridging), once prepared. */
  assetVolume: string | undefined
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
    boot.assetVolume = await prepareAssets(boot)
    let found: Before
    if (startsAtOnce(boot)) {
      found = await prepareStartAndWait(boot, (renamed) => (renamedAside = renamed))
    } else {
      const prepared = await prepare(boot)
      found = prepared
      renamedAside = prepared.renamed
      await passBarrier(boot, prepared)
      await startAndWait(boot, prepared)
    }
    verdict?.done()
    if (boot.gatekeeper && boot.barrier.open())
      boot.say(`First ${boot.role.name} container is healthy on ${boot.host}, booting any other roles`)
    renamedAside = undefined
    const stopping = found.running.filter((name) => name !== boot.name)
    const retiring = retireOld(boot, found.oldContainer, stopping)
    // A proxied role's cutover is the boot's end. Other roles' old containers stop while the deploy
    // goes on: the tag step waits for its host's stops (its prune counts them as stopped), the
    // lock's release and the run for all.
    if (boot.role.proxy) {
      await retiring
      await cleanUpAssets(boot)
    } else
      ctx.found.pending.add(
        boot.host,
        retiring.catch((error: unknown) => {
          rethrowLost(error, boot)
          throw error
        }),
        stopping,
      )
  } catch (error) {
    rethrowLost(error, boot)
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

/** A lost host's error says what the boot was doing there. */
function rethrowLost(error: unknown, boot: RoleBoot): void {
  if (error instanceof HostLostError) throw error.during(boot.host, boot.step)
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
  const boot: RoleBoot = {
    ...params,
    ctx,
    remote: ctx.remote(host),
    gatekeeper: role.name === selection.primaryRole.name,
    tiesCord: Boolean(extras?.cord),
    name: naming.containerName(config, role, version),
    instance,
    env,
    container: (cordHostDir) => ({
      version,
      host,
      env,
      hostnameSuffix: instance,
      cordHostDir: extras?.cord ? cordHostDir : undefined,
      assetHostDir: boot.assetVolume,
      labels: extras?.labels,
      extraArgs: extras?.args,
      startInterval: early === 'start-interval',
    }),
    early,
    healthCommand: role.healthArgs ? app.healthCommand(role, cord) : undefined,
    say: (line) => void (task.output = line),
    step: `preparing ${role.name}`,
    assetVolume: undefined,
  }
  return boot
}

/**
 * Whether the prepare, the start and the wait go in one round trip ({@link prepareStartAndWait}):
 * for a role with no barrier to wait at (the primary, or any role once the barrier is open) and no
 * cord, whose dir must be absolute in `docker run` and is only known from the prepare's answer.
 */
const startsAtOnce = (boot: RoleBoot): boolean => (boot.gatekeeper || boot.barrier.state === 'open') && !boot.tiesCord

/** What the prepare found of the role before the boot: the old container, and every running one (the old included). */
interface Before {
  readonly oldContainer: string | undefined
  readonly running: readonly string[]
}

/** {@link Before}, from the prepare's answer. */
function before(prepared: app.Prepared, name: string): Before {
  const oldContainer = prepared.current && prepared.current !== name ? prepared.current : prepared.renamed
  return { oldContainer, running: prepared.running }
}

/** The audited bootPrepare of this boot, and the env file it writes from stdin. */
function preparing(boot: RoleBoot): { command: Command; stdin: string } {
  const { ctx, role } = boot
  const { config, version } = ctx
  const command = audited(
    ctx,
    `Booted app version ${version}`,
    app.bootPrepare(config, role, { version, renameSuffix: randomBytes(8).toString('hex') }),
    { role: role.name },
  )
  return { command, stdin: envFileContent(boot.env) }
}

/**
 * {@link prepare}, then `docker run` and the wait, in ONE round trip: the prepare's answer comes
 * first, then the start's marker line, then the wait's, each line as it arrives. A failure is told
 * apart by what arrived: no `current=` line, the prepare failed; no marker, the run did (and nothing
 * of this version runs); after the marker, the wait did ({@link failedWait}). A Ctrl-C lets the
 * prepare answer first (it may rename a same-version container aside, and that must be known to
 * be undone), then stops whatever started. `onRenamed` learns of such a rename as soon as it is
 * printed. Returns what the prepare found.
 */
async function prepareStartAndWait(boot: RoleBoot, onRenamed: (renamed: string) => void): Promise<Before> {
  const { ctx, host, role, remote, name, say } = boot
  if (ctx.signal.aborted) throw new CancelledError(`${host}: cancelled before booting ${role.name}`)
  const { command: prepare, stdin } = preparing(boot)
  const start = app.run(ctx.config, role, boot.container(undefined))
  say(`Starting ${name}`)
  boot.step = `starting ${name}`
  let answered = false
  let started = false
  const cancel = new AbortController()
  const onAbort = (): void => void (answered && cancel.abort())
  ctx.signal.addEventListener('abort', onAbort, { once: true })
  const onOutput = (line: string): void => {
    if (line.startsWith('renamed=')) onRenamed(line.slice('renamed='.length))
    if (line.startsWith('current=')) {
      answered = true
      if (ctx.signal.aborted) cancel.abort()
    }
    if (line === STARTED) {
      started = true
      waiting(boot)
    }
  }
  try {
    const command = andAll(prepare, start, cmd('echo', STARTED), waitFor(boot))
    const { stdout } = await remote.run(command, { stdin, signal: cancel.signal, onOutput })
    if (health.passedOwnCheck(stdout)) say(`${name} passed its health check (Docker's first check is still to come)`)
    return before(app.parsePrepare(stdout.split(`\n${STARTED}\n`)[0]!), name)
  } catch (error) {
    if (error instanceof CommandError && !answered)
      throw new CommandError(remote.host, render(prepare, { redact: true, brief: true }), error.exitCode, error.stderr)
    if (error instanceof CommandError && !started)
      throw new CommandError(remote.host, render(start, { redact: true, brief: true }), error.exitCode, error.stderr)
    // A host lost before the prepare answered: `name` may still be the old same-version container.
    if (!answered) throw error
    return failedWait(boot, error)
  } finally {
    ctx.signal.removeEventListener('abort', onAbort)
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
): Promise<Before & { home: string; renamed: string | undefined; created: boolean }> {
  const { ctx, role, remote, name, gatekeeper, barrier, runId } = boot
  const { config } = ctx
  const create =
    !gatekeeper && barrier.state === 'waiting'
      ? app.create(config, role, boot.container(naming.cordDir(config, role, runId)))
      : undefined
  const { command: prepare, stdin } = preparing(boot)
  let stdout: string
  try {
    stdout = (await remote.run(create ? and(prepare, create) : prepare, { stdin })).stdout
  } catch (error) {
    // `current=` is the prepare's last answer: with it, the prepare ran through and the create failed.
    if (create && error instanceof CommandError && /^current=/m.test(error.stdout)) {
      throw new CommandError(remote.host, render(create, { redact: true, brief: true }), error.exitCode, error.stderr)
    }
    throw error
  }
  const prepared = app.parsePrepare(stdout)
  return { ...before(prepared, name), home: prepared.home, renamed: prepared.renamed, created: create !== undefined }
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
      const why =
        barrier.closedBy === 'unhealthy'
          ? `first ${primary} container is unhealthy`
          : `no ${primary} container could be started and checked`
      throw new HealthcheckError(`${host}: ${why}, not booting ${role.name}`, {
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
  try {
    const { stdout } = await remote.run(andAll(start, cmd('echo', STARTED), waitFor(boot)), {
      signal: ctx.signal,
      onOutput: (line) => void (line === STARTED && waiting(boot)),
    })
    if (health.passedOwnCheck(stdout)) say(`${name} passed its health check (Docker's first check is still to come)`)
  } catch (error) {
    if (error instanceof CommandError && !error.stdout.split('\n').includes(STARTED)) {
      if (created) await removeCreated(boot)
      throw new CommandError(remote.host, render(start, { redact: true, brief: true }), error.exitCode, error.stderr)
    }
    await failedWait(boot, error)
  }
}

/** The line between the start and the wait in {@link startAndWait}'s round trip. */
const STARTED = 'slipway:started'

/** The wait for the new container to be healthy, with the early check its engine allows. */
function waitFor({ ctx, role, name, early, healthCommand }: RoleBoot): Command {
  const checkEvery = early === 'own' ? health.EARLY_CHECK_SECONDS : undefined
  return health.waitHealthy(ctx.config, role, name, { checkEvery, checkCommand: healthCommand })
}

/** The start's marker arrived: from now on the boot waits for the health check. */
function waiting(boot: RoleBoot): void {
  boot.say(`Waiting for ${boot.name} to be healthy`)
  boot.step = `waiting for ${boot.name} to be healthy`
}

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
 * takes every container of the role that was running before the boot (the prepare listed them):
 * the old one, and any a run that lost this host left running unrouted, so nothing but the new
 * version keeps running (`stopping`: what the prepare found running, but the new one). Nothing to
 * stop, no round trip.
 */
async function retireOld(boot: RoleBoot, oldContainer: string | undefined, stopping: readonly string[]): Promise<void> {
  const { ctx, host, role, remote, say } = boot
  const stopOld = app.stopContainers(ctx.config, stopping)
  boot.step = `switching ${role.name} to ${boot.name}`
  if (role.proxy) {
    const { name: newContainer, instance } = boot
    const params = { host, newContainer, instance, oldContainer, stopOld, signal: ctx.signal, log: say }
    await boot.driver.cutover(remote, ctx.config, role, params)
  } else if (stopOld) {
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
