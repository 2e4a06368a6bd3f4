import type { Config, Role } from '../config/types.ts'
import type { Executor } from '../exec/executor.ts'
import type { Arg } from '../shell/command.ts'

/** What a proxy adds to the `docker run` of a proxied role's app container. */
export interface AppRunExtras {
  /** Labels (e.g. traefik routers); merged before the user's own labels. */
  readonly labels: Readonly<Record<string, string>>
  /** Extra docker run arguments (e.g. `--network slipway`, `--network-alias …`). */
  readonly args: readonly Arg[]
  /** Whether the container gets Kamal's cord (health check that fails once the cord is cut). */
  readonly cord: boolean
}

/** Arguments of a switch: the container that just became healthy and the one it replaces. */
export interface SwitchParams {
  readonly host: string
  readonly newContainer: string
  /** The container serving before this boot, if any. */
  readonly oldContainer: string | undefined
  readonly signal?: AbortSignal | undefined
  /** Progress lines for the task output (e.g. "traefik API confirmed the route"). */
  readonly log?: ((line: string) => void) | undefined
}

/**
 * How the boot step talks to the proxy in front of a role. The boot order is:
 * `docker run` (with appRun extras) → wait healthy → switchTo → drain(old) → stop old.
 * Drivers never throw from drain for an old container that is already gone.
 */
export interface ProxyDriver {
  readonly kind: 'traefik' | 'caddy'
  /** Pure: what `docker run` of a proxied container needs. */
  appRun(config: Config, role: Role, params: { readonly version: string; readonly host: string }): AppRunExtras
  /** Point the proxy at the new container; resolves once the proxy confirms it routes there. */
  switchTo(remote: Executor, config: Config, role: Role, params: SwitchParams): Promise<void>
  /** Take the old container out of rotation and let in-flight requests finish. */
  drain(remote: Executor, config: Config, role: Role, params: SwitchParams & { readonly oldContainer: string }): Promise<void>
}
