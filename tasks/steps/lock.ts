import type { DeployContext, DeployTask } from '../../lib/context.ts'
import { CommandError, LockError } from '../../lib/errors.ts'
import * as lock from '../../lib/commands/lock.ts'
import { and, type Command } from '../../lib/shell/command.ts'
import { onFailure, whenDone } from './fan-out.ts'

/** Takes the deploy lock on the primary host, or fails with who holds it; `then` runs in the same round trip once it is taken. */
export async function acquireLock(
  ctx: DeployContext,
  message = 'Automatic deploy lock',
  then?: Command,
): Promise<void> {
  const primary = ctx.remote(ctx.selection.primaryHost)
  const acquire = lock.acquire(ctx.config, {
    details: lock.lockDetails({ by: ctx.performer, at: new Date().toISOString(), version: ctx.version, message }),
  })
  try {
    await primary.run(then ? and(acquire, then) : acquire)
  } catch (error) {
    // mkdir is atomic: the second deployer gets "File exists" and a non-zero exit.
    if (!(error instanceof CommandError) || !/exists/i.test(error.stderr)) throw error
    const held = await primary.run(lock.status(ctx.config), { allowFailure: true })
    throw new LockError(
      `deploy lock found on ${ctx.selection.primaryHost}:\n${held.stdout.trim() || '(no details)'}\nRun \`slipway lock release\` if it is stale.`,
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
    let failure: unknown
    const first = (error: unknown): void => void (failure ??= error)
    const holding = (c: DeployContext): boolean => c.found.holdingLock
    // The list goes on past a failed step so that Release runs, and shows, whatever happened; the
    // steps and the release are enabled only once the lock is ours: a lock we failed to take is someone else's.
    const list = task.newListr(
      [
        {
          title: `Acquire on ${ctx.selection.primaryHost}`,
          task: (c) => onFailure(() => acquireLock(c, message), first),
        },
        {
          title: 'Locked',
          enabled: holding,
          task: (_, locked) => onFailure(() => locked.newListr([...steps], { exitOnError: true }), first),
        },
        { title: 'Release', enabled: holding, task: releaseLock },
      ],
      { exitOnError: false },
    )
    return whenDone(list, () => {
      if (failure !== undefined) throw failure
    })
  },
})
