import type { DeployTask } from '../../lib/context.ts'
import { CommandError } from '../../lib/errors.ts'
import * as lock from '../../lib/commands/lock.ts'
import { and } from '../../lib/shell/command.ts'
import { auditRecord } from './audit.ts'
import { acquireLock } from './lock.ts'

// Kamal's `lock status|acquire -m MSG|release`: the lock is a directory on
// the primary host, so these run there only. What they find goes to ctx.report.lines.

/** Kamal's answer when the lock dir does not exist. */
export const NO_LOCK = 'There is no deploy lock'

// `stat`, `cat` and `rm` all say this when the lock dir is absent.
const missing = (error: { stderr: string }): boolean => /No such file or directory/.test(error.stderr)

/** Prints the decoded lock details (who, when, version, message), or "There is no deploy lock". */
export const lockStatus = (): DeployTask => ({
  title: 'Lock status',
  task: async (ctx, task) => {
    const host = ctx.selection.primaryHost
    task.title = `Lock status on ${host}`
    const result = await ctx.remote(host).run(lock.status(ctx.config), { allowFailure: true, signal: ctx.signal })
    if (result.exitCode === 0) ctx.report.lines.push(result.stdout.trimEnd())
    else if (missing(result)) ctx.report.lines.push(NO_LOCK)
    else throw new CommandError(host, 'lock status', result.exitCode, result.stderr, result.stdout)
  },
})

/** Takes the lock with `message` and keeps it after the run; fails with the holder's details when it is taken. */
export const lockAcquire = (message: string): DeployTask => ({
  title: 'Acquire the deploy lock',
  task: async (ctx, task) => {
    await acquireLock(ctx, message, task, auditRecord(ctx, `Acquired the deploy lock: ${message}`))
    ctx.report.lines.push('Acquired the deploy lock')
  },
})

/** Removes the lock, whoever holds it; "There is no deploy lock" when there is none. */
export const lockRelease = (): DeployTask => ({
  title: 'Release the deploy lock',
  task: async (ctx) => {
    const host = ctx.selection.primaryHost
    const release = and(lock.release(ctx.config), auditRecord(ctx, 'Released the deploy lock'))
    const result = await ctx.remote(host).run(release, { allowFailure: true, signal: ctx.signal })
    if (result.exitCode === 0) ctx.report.lines.push('Released the deploy lock')
    else if (missing(result)) ctx.report.lines.push(NO_LOCK)
    else throw new CommandError(host, 'lock release', result.exitCode, result.stderr, result.stdout)
  },
})
