import type { DeployContext, DeployTask } from '../../lib/context.ts'
import type { Result } from '../../lib/exec/executor.ts'
import { andAll } from '../../lib/commands/args.ts'
import * as registry from '../../lib/commands/registry.ts'
import type { Command } from '../../lib/shell/command.ts'
import { onHosts } from './fan-out.ts'

// A host's docker logs in to the registry once per run: the deploy does it while the image builds,
// and every later step that needs it (pull, a proxy boot) skips it where `ctx.found.loggedIn` says so.

/**
 * `docker login` on every selected host (password on stdin). The deploy runs it while the image
 * builds (Kamal logs in everywhere before building, too).
 */
export const loginRegistryRemotely = (): DeployTask =>
  onHosts(
    'Log in to the registry on the servers',
    (ctx) => ctx.selection.hosts,
    async (ctx, host, task) => {
      await ctx
        .remote(host)
        .run(registry.login(ctx.config), { stdin: registry.passwordStdin(ctx.config), signal: ctx.signal })
      ctx.found.loggedIn.add(host)
      task.output = `Logged in to ${ctx.config.registry.server ?? 'Docker Hub'}`
    },
  )

/**
 * Runs `command` on `host` in one round trip, preceded by `docker login` (password on stdin) where
 * this run has not logged the host in yet, and records the login.
 */
export async function runLoggedIn(ctx: DeployContext, host: string, command: Command): Promise<Result> {
  const { config, signal } = ctx
  const result = ctx.found.loggedIn.has(host)
    ? await ctx.remote(host).run(command, { signal })
    : await ctx
        .remote(host)
        .run(andAll(registry.login(config), command), { stdin: registry.passwordStdin(config), signal })
  ctx.found.loggedIn.add(host)
  return result
}
