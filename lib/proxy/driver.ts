import type { Config, Role } from '../config/types.ts'
import type { Executor } from '../exec/executor.ts'
import type { Arg, Command } from '../shell/command.ts'

/** What a proxy adds to the `docker run` of a proxied role's app container. */
export interface AppRunExtras {
  /** Labels (e.g. traefik routers); merged before the user's own labels. */
  readonly labels: Readonly<Record<string, string>>
  /** Extra docker run arguments (e.g. `--network slipway`, `--network-alias …`). */
  readonly args: readonly Arg[]
  /** Whether the container gets Kamal's cord (health check that fails once the cord is cut). */
  readonly cord: boolean
}

/** Arguments of a cutover: the container that just became healthy and the one it replaces. */
export interface CutoverParams {
  readonly host: string
  readonly newContainer: string
  /** The container serving before this boot, if any. */
  readonly oldContainer: string | undefined
  /** Stops the old container once it is drained (the boot step's `docker stop`); a simple command. */
  readonly stopOld: Command | undefined
  readonly signal?: AbortSignal | undefined
  /** Progress lines for the task output (e.g. "traefik API confirmed the route"). */
  readonly log?: ((line: string) => void) | undefined
}

/**
 * How the boot step talks to the proxy in front of a role. The boot order is:
 * `docker run` (with appRun extras) → wait healthy → cutover (switch, drain old, stopOld).
 * A role that is not proxied never meets the driver: the boot step stops its old container itself.
 */
export interface ProxyDriver {
  readonly kind: 'traefik' | 'caddy'
  /** Pure: what `docker run` of a proxied container needs. */
  appRun(config: Config, role: Role, params: { readonly version: string; readonly host: string }): AppRunExtras
  /**
   * Point the proxy at the new container (resolves only once the proxy routes there), let the old
   * one's in-flight requests finish (bounded), then run `stopOld`. Throws only when the switch itself
   * failed, and then the old container keeps serving; a failing `stopOld` is reported, not thrown.
   */
  cutover(remote: Executor, config: Config, role: Role, params: CutoverParams): Promise<void>
}
