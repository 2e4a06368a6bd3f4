import type { Config, Env, Role } from '../config/types.ts'
import type { Executor } from '../exec/executor.ts'
import type { HookName } from '../hooks.ts'
import type { LogsParams } from '../commands/traefik.ts'
import type { Arg, Command } from '../shell/command.ts'

/** The proxy kinds `proxy.kind` selects from; each has one driver (index.ts). */
export type ProxyKind = Config['proxy']['kind']

/** The entry scripts that manage a proxy: tasks/proxy.ts for every kind, Kamal 1.x's tasks/traefik.ts for traefik. */
export type ProxyEntry = 'proxy' | 'traefik'

/** What a proxy adds to the `docker run` of a proxied role's app container. */
export interface AppRunExtras {
  /** Labels (e.g. traefik routers); merged before the user's own labels. */
  readonly labels: Readonly<Record<string, string>>
  /** Extra docker run arguments (e.g. `--network slipway`, `--network-alias …`). */
  readonly args: readonly Arg[]
  /** Whether the container gets Kamal's cord (health check that fails once the cord is cut). */
  readonly cord: boolean
}

/** What appRun knows of the new container. */
export interface AppRunParams {
  readonly version: string
  readonly host: string
  readonly instance: string
}

/** Arguments of a cutover: the container that just became healthy and the one it replaces. */
export interface CutoverParams {
  readonly host: string
  readonly newContainer: string
  /** The new container's instance id, as appRun got it. */
  readonly instance: string
  /** The container serving before this boot, if any. */
  readonly oldContainer: string | undefined
  /** Stops the old container once it is drained (the boot step's `docker stop`); a simple command. */
  readonly stopOld: Command | undefined
  readonly signal?: AbortSignal | undefined
  /** Progress lines for the task output (e.g. "traefik API confirmed the route"). */
  readonly log?: ((line: string) => void) | undefined
}

/** One proxy host as the proxy subcommands see it: where to run, and this run's registry login there. */
export interface ProxyHost {
  readonly remote: Executor
  readonly config: Config
  readonly signal?: AbortSignal | undefined
  /** Whether this run has logged the host in to the registry already (then no second `docker login`). */
  readonly loggedIn: () => boolean
  /** Records a login the driver ran on the host. */
  readonly markLoggedIn: () => void
}

/**
 * Everything that depends on the proxy kind, and the only place that does: the deploy's boot step
 * (`appRun`, `cutover`) and the proxy subcommands (boot, reboot, start, stop, details, logs, remove)
 * ask the driver of the configured kind. A new kind is one file implementing this interface, plus
 * its line in index.ts.
 *
 * The boot order of an app container is: `docker run` (with appRun extras) → wait healthy →
 * cutover (switch, drain old, stopOld). A role that is not proxied never meets the driver: the boot
 * step stops its old container itself.
 */
export interface ProxyDriver {
  readonly kind: ProxyKind
  /** The entry scripts that may manage this proxy. */
  readonly entries: readonly ProxyEntry[]
  /**
   * Whether the proxy routes only to containers Docker calls healthy (traefik's Docker provider): a
   * proxied container must then wait for Docker's own `healthy`, not just its health command passing.
   */
  readonly routesOnDockerHealth: boolean
  /** The hooks run before and after each group of hosts a reboot replaces. */
  readonly rebootHooks: readonly [HookName, HookName]
  /** The proxy container's name on every proxy host. */
  container(config: Config): string
  /** The image the proxy container runs. */
  image(config: Config): string

  /**
   * Pure: what `docker run` of a proxied container needs. `instance` is unique to this boot's new
   * container (the name is not: a same-version redeploy hands it from the serving container to the new one).
   */
  appRun(config: Config, role: Role, params: AppRunParams): AppRunExtras
  /**
   * Point the proxy at the new container (resolves only once the proxy routes there), let the old
   * one's in-flight requests finish (bounded), then run `stopOld`. Throws only when the switch itself
   * failed, and then the old container keeps serving; a failing `stopOld` is reported, not thrown.
   */
  cutover(remote: Executor, config: Config, role: Role, params: CutoverParams): Promise<void>

  /** Starts the proxy where it is stopped, runs it where it does not exist, and returns once it serves. */
  boot(host: ProxyHost): Promise<void>
  /** Replaces the proxy container with a fresh one (picks up changed proxy config) that serves. */
  reboot(host: ProxyHost): Promise<void>
  /** Starts the stopped proxy container and returns once it serves. */
  start(host: ProxyHost): Promise<void>
  /** Stops the proxy container: one command. */
  stop(config: Config): Command
  /** `docker ps` of the proxy container: one command. */
  details(config: Config): Command
  /** The proxy container's logs: one command (with `follow`, it streams until cancelled). */
  logs(config: Config, params: LogsParams): Command
  /** Stops the proxy and removes its container and image. */
  remove(host: ProxyHost): Promise<void>
  /** The proxy's secret env file on each proxy host, for `env push`/`env delete`; none when it has no env. */
  envFile(config: Config): { readonly path: string; readonly env: Env } | undefined
}

export type { LogsParams }
