import type { DeployContext, DeployTask } from '../../lib/context.ts'
import { CommandError, LockError } from '../../lib/errors.ts'
import * as lock from '../../lib/commands/lock.ts'
import { delay } from '../../lib/exec/abort.ts'
import { and, type Command } from '../../lib/shell/command.ts'
import { onFailure, whenDone, type Task } from './fan-out.ts'

// While waiting (--lock-wait), the lock is tried again after 0.5 s, 1 s, 2 s, … up to this.
const LONGEST_POLL_MS = 10_000

/**
 * Takes the deploy lock on the primary host. When someone holds it: fails at once naming them, or
 * with `--lock-wait[=SECONDS]` waits for it (showing who holds it and why, polling with backoff),
 * and fails naming the holder when the time is up. `then` runs in the same round trip once it is taken.
 */
export async function acquireLock(
  ctx: DeployContext,
  message = 'Automatic deploy lock',
  task?: Task,
  then?: Command,
): Promise<void> {
  const host = ctx.selection.primaryHost
  const waitMs = ctx.flags.lockWait === undefined ? undefined : ctx.flags.lockWait * 1000
  const started = Date.now()
  for (let attempt = 0; ; attempt++) {
    const holder = await tryAcquire(ctx, message, then)
    if (holder === undefined) break
    const left = waitMs === undefined ? 0 : started + waitMs - Date.now()
    if (left <= 0) {
      const waited = waitMs === undefined ? '' : `\nStill held after waiting ${ctx.flags.lockWait} s (--lock-wait).`
      throw new LockError(
        `deploy lock found on ${host}:\n${holder}${waited}\nRun \`slipway lock release\` if it is stale.`,
      )
    }
    // One line: the renderer shows a running task's last output line.
    if (task) task.output = `Waiting for the deploy lock on ${host}: ${holder.split('\n').join('; ')}`
    await delay(Math.min(500 * 2 ** attempt, LONGEST_POLL_MS, left), ctx.signal)
  }
  ctx.found.holdingLock = true
}

/** One `mkdir` of the lock: undefined when it is ours now, else the holder's details. */
async function tryAcquire(ctx: DeployContext, message: string, then?: Command): Promise<string | undefined> {
  const primary = ctx.remote(ctx.selection.primaryHost)
  const acquire = lock.acquire(ctx.config, {
    details: lock.lockDetails({ by: ctx.performer, at: new Date().toISOString(), version: ctx.version, message }),
  })
  try {
    await primary.run(then ? and(acquire, then) : acquire, { signal: ctx.signal })
    return undefined
  } catch (error) {
    // mkdir is atomic: the second deployer gets "File exists" and a non-zero exit.
    if (!(error instanceof CommandError) || !/exists/i.test(error.stderr)) throw error
    const held = await primary.run(lock.status(ctx.config), { allowFailure: true, signal: ctx.signal })
    return held.stdout.trim() || '(no details)'
  }
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
          task: (c, t) => onFailure(() => acquireLock(c, message, t), first),
        },
        {
          title: 'Locked',
          enabled: holding,
          task: (_, locked) => onFailure(() => locked.newListr([...steps], { exitOnError: true }), first),
        },
        {
          title: 'Release',
          enabled: holding,
          // Not while a step's work still runs on the hosts (a boot's stop of old containers).
          task: async (c) => {
            await c.found.pending.settle().catch(first)
            await releaseLock(c)
          },
        },
      ],
      { exitOnError: false },
    )
    return whenDone(list, () => {
      if (failure !== undefined) throw failure
    })
  },
})
