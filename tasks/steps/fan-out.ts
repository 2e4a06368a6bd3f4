import type { ListrTaskWrapper } from 'listr2'
import type { DeployContext, DeployTask } from '../../lib/context.ts'
import { HostsError } from '../../lib/errors.ts'

// listr2's own task wrapper type, loosened on the renderer parameters we never touch.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Task = ListrTaskWrapper<DeployContext, any, any>

/** One unit of host work, shown as a subtask titled `title`. */
export interface HostJob {
  readonly title: string
  readonly run: (ctx: DeployContext, task: Task) => Promise<void>
}

/**
 * Runs jobs as concurrent subtasks (at most `limit` at once), lets every one finish its own cleanup,
 * then throws all failures together (`where` words the summary; default `on <n> hosts`). listr2's exitOnError:false swallows errors, so they are
 * collected here instead.
 */
export async function fanOut(
  ctx: DeployContext,
  task: Task,
  jobs: readonly HostJob[],
  { limit, where }: { limit?: number | undefined; where?: ((failures: number) => string) | undefined } = {},
): Promise<void> {
  const errors: Error[] = []
  const subtasks: DeployTask[] = jobs.map((job) => ({
    title: job.title,
    task: async (c, t) => {
      try {
        await job.run(c, t)
      } catch (error) {
        errors.push(error instanceof Error ? error : new Error(String(error)))
        throw error
      }
    },
  }))
  await task.newListr(subtasks, { concurrent: limit ?? true, exitOnError: false }).run(ctx)
  if (errors.length > 0) throw new HostsError(errors, where?.(errors.length))
}

/** A task that does `job` on every selected host, all hosts in parallel. */
export const onHosts = (
  title: string,
  hosts: (ctx: DeployContext) => readonly string[],
  job: (ctx: DeployContext, host: string, task: Task) => Promise<void>,
  extra: Partial<DeployTask> = {},
): DeployTask => ({
  title,
  ...extra,
  task: (ctx, task) => fanOut(ctx, task, hosts(ctx).map((host) => ({ title: host, run: (c, t) => job(c, host, t) }))),
})

/** What one host contributes to a report: `{ header, text }` blocks, e.g. one per role on it. */
export interface ReportBlock {
  readonly header: string
  readonly text: string
}

/**
 * A read-only task: `read` on every host in parallel; each host's blocks go to `ctx.found.report`
 * (printed on stdout after the tree) in host order. Hosts that answered are reported even when
 * another failed; the error names the rest.
 */
export const reportOnHosts = (
  title: string,
  hosts: (ctx: DeployContext) => readonly string[],
  read: (ctx: DeployContext, host: string, task: Task) => Promise<readonly ReportBlock[]>,
): DeployTask => ({
  title,
  task: async (ctx, task) => {
    const out = new Map<string, readonly ReportBlock[]>()
    const targets = hosts(ctx)
    try {
      await fanOut(ctx, task, targets.map((host) => ({ title: host, run: async (c, t) => void out.set(host, await read(c, host, t)) })))
    } finally {
      for (const host of targets) {
        for (const { header, text } of out.get(host) ?? []) ctx.found.report.push(`${header}\n${text.trimEnd() || '(no output)'}\n`)
      }
    }
  },
})
