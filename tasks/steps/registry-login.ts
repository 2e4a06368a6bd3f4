import type { DeployContext, DeployTask } from '../../lib/context.ts'
import type { Result } from '../../lib/exec/executor.ts'
import { andAll } from '../../lib/commands/args.ts'
import * as docker from '../../lib/commands/docker.ts'
import * as registry from '../../lib/commands/registry.ts'
import type { Command } from '../../lib/shell/command.ts'
import { onHosts } from './fan-out.ts'

// A host's docker logs in to the registry once per run: the deploy does it while the image builds,
// and every later step that needs it (pull, a proxy boot) skips it where `ctx.found.loggedIn` says so.
// These implicit logins keep credentials the host's docker already stores for the registry
// (registry.loginUnlessStored); `slipway registry login` always logs in.
// The login also asks the host's docker for its API version (`ctx.found.apiVersions`), in the same
// round trip: the boot needs it to know whether the engine can run early health checks.

/**
 * `docker login` on every selected host (password on stdin). The deploy runs it while the image
 * builds (Kamal logs in everywhere before building, too). With `unlessStored` (the default), a host
 * whose docker already stores these credentials for the registry keeps them instead.
 */
export const loginRegistryRemotely = ({ unlessStored = true }: { unlessStored?: boolean } = {}): DeployTask =>
  onHosts(
    'Log in to the registry on the servers',
    (ctx) => ctx.selection.hosts,
    async (ctx, host, task) => {
      const login = loginOf(ctx, { unlessStored })
      const { stdout } = await ctx.remote(host).run(andAll(docker.apiVersion(), login.command), {
        stdin: login.stdin,
        signal: ctx.signal,
      })
      ctx.found.loggedIn.add(host)
      learnApiVersion(ctx, host, stdout)
      task.output = loginLine(ctx, stdout)
    },
  )

/** What a task says of a login: done, or kept because the host's docker stores these credentials. */
export const loginLine = (ctx: DeployContext, stdout: string): string => {
  const registryName = ctx.config.registry.server ?? 'Docker Hub'
  return registry.loggedInFromStore(stdout)
    ? `Logged in to ${registryName} already (the same credentials are stored)`
    : `Logged in to ${registryName}`
}

/** The login command and its stdin: the implicit one keeps stored credentials, the explicit one always logs in. */
export const loginOf = (
  ctx: DeployContext,
  { unlessStored }: { unlessStored: boolean },
): { command: Command; stdin: string } =>
  unlessStored
    ? { command: registry.loginUnlessStored(ctx.config), stdin: registry.storedAuthStdin(ctx.config) }
    : { command: registry.login(ctx.config), stdin: registry.passwordStdin(ctx.config) }

/**
 * Runs `command` on `host` in one round trip, preceded by `docker login` (password on stdin) where
 * this run has not logged the host in yet, and records the login.
 */
export async function runLoggedIn(ctx: DeployContext, host: string, command: Command): Promise<Result> {
  const { signal } = ctx
  if (ctx.found.loggedIn.has(host)) return await ctx.remote(host).run(command, { signal })
  const login = loginOf(ctx, { unlessStored: true })
  const result = await ctx.remote(host).run(andAll(docker.apiVersion(), login.command, command), {
    stdin: login.stdin,
    signal,
  })
  ctx.found.loggedIn.add(host)
  learnApiVersion(ctx, host, result.stdout)
  return result
}

function learnApiVersion(ctx: DeployContext, host: string, stdout: string): void {
  const api = docker.parseApiVersion(stdout)
  if (api !== undefined) ctx.found.apiVersions.set(host, api)
}
