import * as hook from '../../lib/commands/hook.ts'
import type { DeployContext, DeployTask } from '../../lib/context.ts'
import { HookError } from '../../lib/errors.ts'
import { builderHostOf, hookEnv, hookPath, isRunnable, type HookName } from '../../lib/hooks.ts'

/** Options of one hook firing. */
export interface RunHookOptions {
  /** The host group this firing is about (KAMAL_HOSTS), e.g. per proxy reboot group; default: the selection. */
  readonly hosts?: (ctx: DeployContext) => readonly string[]
}

// Enough of a failing hook's output to see why, without flooding the error.
const TAIL_LINES = 20

const shown = (lines: readonly string[]): string => (lines.length > 0 && lines.join('') ? `:\n${lines.join('\n')}` : '')

/**
 * Runs `hooks/<name>` locally, if it exists and is executable and `--skip-hooks` is not set.
 * cwd is the project root; the KAMAL_* and SLIPWAY_* variables are added to the child's environment
 * only. Output streams into the task; a non-zero exit throws HookError and stops the run.
 */
export const runHook = (name: HookName, options: RunHookOptions = {}): DeployTask => ({
  title: `Run ${name} hook`,
  enabled: (ctx) => !ctx.flags.skipHooks && isRunnable(hookPath(ctx.config, name)),
  // A hook never starts after a cancel (a post-deploy after a tag that finished regardless, say).
  skip: (ctx) => ctx.signal.aborted && 'cancelled: skipped',
  task: async (ctx, task) => {
    const path = hookPath(ctx.config, name)
    const runtime = name === 'post-deploy' ? (Date.now() - ctx.startedAt) / 1000 : undefined
    // A build hook learns where the image is built: the remote builder, if there is one.
    const builderHost = name === 'pre-build' || name === 'post-push' ? builderHostOf(ctx.config) : undefined
    const env = hookEnv(ctx, { hosts: options.hosts?.(ctx), runtime, builderHost })
    const tail: string[] = []
    const onOutput = (line: string): void => {
      tail.push(line)
      if (tail.length > TAIL_LINES) tail.shift()
      task.output = line
    }
    // hook_timeout ends the hook as a cancel would: its whole process group, SIGKILL if it must.
    const timeout = AbortSignal.timeout(ctx.config.hookTimeout * 1000)
    const result = await ctx.local
      .run(hook.run(path), {
        cwd: ctx.config.root,
        env,
        onOutput,
        allowFailure: true,
        signal: AbortSignal.any([ctx.signal, timeout]),
      })
      .catch((error: unknown) => {
        if (!timeout.aborted || ctx.signal.aborted) throw error
        const seconds = ctx.config.hookTimeout
        throw new HookError(
          `hook ${name} did not finish within ${seconds} s (hook_timeout): it was stopped, with every process it started${shown(tail)}`,
        )
      })
    if (result.exitCode === 0) return
    const output = tail.length > 0 ? tail : `${result.stdout}${result.stderr}`.trimEnd().split('\n').slice(-TAIL_LINES)
    const exit = result.exitCode === null ? 'a signal' : `exit ${result.exitCode}`
    throw new HookError(`hook ${name} failed with ${exit}${shown(output)}`)
  },
})
