import type { DeployTask } from '../../lib/context.ts'
import { DeployError } from '../../lib/errors.ts'
import { containerIdFor } from '../../lib/commands/versions.ts'
import { containerName } from '../../lib/commands/naming.ts'
import { tagLatest } from './app.ts'
import { bootApp } from './boot.ts'
import { runHook } from './hooks.ts'
import { withLock } from './lock.ts'
import { checkSecrets } from './secrets.ts'

// Kamal's `rollback VERSION`: it does not restart the old container. Boot renames the
// stopped VERSION container out of the way and runs a fresh one from the image prune kept, so a
// rollback reaches back as far as retain_containers.

/** Thrown when some host has no container of the version (nothing was changed). */
export class VersionNotAvailableError extends DeployError {
  override name = 'VersionNotAvailableError'
}

/**
 * Checks that every selected role on every selected host has a container (any state) of
 * ctx.version. All hosts are asked at once; every missing one is named in a single error.
 */
export const checkVersionAvailable = (): DeployTask => ({
  title: 'Check the version is available',
  task: async (ctx, task) => {
    task.title = `Check ${ctx.version} is available`
    const checks = ctx.selection.hosts.flatMap((host) =>
      ctx.selection.rolesOn(host).map(async (role) => {
        const name = containerName(ctx.config, role, ctx.version)
        const { stdout } = await ctx.remote(host).run(containerIdFor(name), { signal: ctx.signal })
        return stdout.trim() ? undefined : `${name} on ${host}`
      }),
    )
    const missing = (await Promise.all(checks)).filter((m): m is string => m !== undefined)
    if (missing.length > 0) {
      throw new VersionNotAvailableError(
        `the app version '${ctx.version}' is not available as a container: no ${missing.join(', no ')} ` +
          '(`slipway app containers` lists the versions there are)',
      )
    }
  },
})

/** Under the lock: check, pre-deploy hook, boot VERSION, tag it latest; then the post-deploy hook. */
export const rollbackSteps = (): DeployTask[] => [
  checkSecrets('registry', 'app'),
  withLock([checkVersionAvailable(), runHook('pre-deploy'), bootApp(), tagLatest()]),
  runHook('post-deploy'),
]
