import type { DeployContext, DeployTask } from '../../lib/context.ts'
import { CancelledError } from '../../lib/errors.ts'
import type { Command } from '../../lib/shell/command.ts'
import type { HandoverIo } from '../../lib/run/handover.ts'

// `logs -f` of the app, an accessory or the proxy: every selected host streams at once, each line
// prefixed with where it comes from, merged as lines arrive. The tree works out the commands; the
// streaming runs after it (lib/run/handover.ts), on stdout, until every stream ends or Ctrl-C.

/** One followed log: where it runs, how its lines are labelled, and the `docker logs --follow` command. */
export interface FollowTarget {
  readonly host: string
  /** `host`, or `host (role)`. */
  readonly label: string
  readonly command: Command
  /** The command ends in `grep`, whose exit 1 means "nothing matched", not a failure. */
  readonly grep: boolean
}

/** A task that follows the logs `targets` names; a dry run records the commands instead. */
export const followLogs = (
  title: string,
  targets: (ctx: DeployContext) => readonly FollowTarget[] | Promise<readonly FollowTarget[]>,
): DeployTask => ({
  title,
  task: async (ctx, task) => {
    const all = await targets(ctx)
    if (ctx.flags.dryRun) {
      await Promise.all(all.map(({ host, command }) => ctx.remote(host).run(command, { signal: ctx.signal })))
      return
    }
    task.title = `${title}: following ${all.length} ${all.length === 1 ? 'log' : 'logs'} (Ctrl-C to stop)`
    ctx.found.handover = (io) => follow(ctx, all, io)
  },
})

/** Streams every target until each has ended or Ctrl-C; 0 unless a stream failed on its own. */
async function follow(ctx: DeployContext, targets: readonly FollowTarget[], io: HandoverIo): Promise<number> {
  io.expectInterrupt()
  const width = Math.max(...targets.map((t) => t.label.length))
  const ended = await Promise.all(
    targets.map(async ({ host, label, command, grep }) => {
      const prefix = `${label.padEnd(width)} | `
      const onOutput = (line: string): void => io.out(`${prefix}${line}\n`)
      try {
        // Output and errors (docker's "No such container", "no running container") both arrive as lines.
        const { exitCode } = await ctx.remote(host).run(command, { signal: io.signal, onOutput, allowFailure: true })
        if (exitCode === 0 || (grep && exitCode === 1)) return true
        io.write(`${label}: the log stream exited with ${exitCode ?? 'a signal'}`)
        return false
      } catch (error) {
        if (error instanceof CancelledError && io.signal.aborted) return true
        io.write(`${label}: ${(error as Error).message}`)
        return false
      }
    }),
  )
  return ended.every(Boolean) ? 0 : 1
}
