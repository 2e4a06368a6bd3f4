import type { DeployContext, DeployTask } from '../../lib/context.ts'
import { CommandError, LockError } from '../../lib/errors.ts'
import * as lock from '../../lib/commands/lock.ts'

/** Takes the deploy lock on the primary host, or fails with who holds it. */
export async function acquireLock(ctx: DeployContext, message = 'Automatic deploy lock'): Promise<void> {
  const primary = ctx.remote(ctx.selection.primaryHost)
  try {
    await primary.run(
      lock.acquire(ctx.config, {
        details: lock.lockDetails({ by: ctx.performer, at: new Date().toISOString(), version: ctx.version, message }),
      }),
    )
  } catch (error) {
    // mkdir is atomic: the second deployer gets "File exists" and a non-zero exit.
    if (!(error instanceof CommandError) || !/exists/i.test(error.stderr)) throw error
    const held = await primary.run(lock.status(ctx.config), { allowFailure: true })
    throw new LockError(
      `deploy lock found on ${ctx.selection.primaryHost}:\n${held.stdout.trim() || '(no details)'}\nRun \`npx tsx tasks/lock.ts release\` if it is stale.`,
      { cause: error },
    )
  }
  ctx.found.holdingLock = true
}

/** Releases the lock if this run holds it. Never throws: a failing release must not hide the real error. */
export async function releaseLock(ctx: DeployContext): Promise<void> {
  if (!ctx.found.holdingLock) return
  const result = await ctx
    .remote(ctx.selection.primaryHost)
    .run(lock.release(ctx.config), { allowFailure: true })
    .catch(() => undefined)
  if (result?.exitCode === 0) ctx.found.holdingLock = false
}

/** Runs `steps` while holding the deploy lock on the primary host; re-entrant; released on error and Ctrl-C. */
export const withLock = (steps: readonly DeployTask[], message?: string): DeployTask => ({
  title: 'Deploy lock',
  task: (ctx, task) => {
    if (ctx.found.holdingLock) return task.newListr([...steps])
    return task.newListr([
      { title: `Acquire on ${ctx.selection.primaryHost}`, task: (c) => acquireLock(c, message) },
      // The release sits after the steps and in their rollback, never on Acquire: a lock we failed to take is someone else's.
      { title: 'Locked', task: (_, locked) => locked.newListr([...steps]), rollback: releaseLock },
      { title: 'Release', task: releaseLock },
    ])
  },
})
