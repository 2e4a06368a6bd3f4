import { Listr, type ListrTaskWrapper } from 'listr2'
import type { DeployContext, DeployTask } from '../../lib/context.ts'
import { HostsError } from '../../lib/errors.ts'

// listr2's own task wrapper type, loosened on the renderer parameters we never touch.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Task = ListrTaskWrapper<DeployContext, any, any>

/** A task list made by `task.newListr(…)`, for a task to return. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Subtasks = Listr<DeployContext, any, any>

/** One unit of host work, shown as a subtask titled `title`; it may return subtasks of its own. */
export interface HostJob {
  readonly title: string
  readonly run: (ctx: DeployContext, task: Task) => Promise<void> | Subtasks
}

/**
 * Calls `settle` once listr2 has run `list`, whether it succeeded or not. A task hands its subtasks
 * to listr2 by returning them, so that the parent's renderer draws one tree (a list the task runs
 * itself gets a renderer of its own, which fights the parent's for the terminal); this is the one
 * place left to act after they ran. A throw from `settle` fails the task.
 */
export function whenDone(list: Subtasks, settle: () => void): Subtasks {
  const run = list.run.bind(list)
  list.run = (ctx) => run(ctx).finally(settle)
  return list
}

/**
 * Subtasks running `jobs` concurrently (at most `limit` at once); every job finishes its own
 * cleanup, then the failures are thrown together (`where` words the summary; default `on <n>
 * hosts`). listr2's exitOnError:false swallows errors, so they are collected here instead.
 * Return it from a task: `task: (ctx, task) => fanOut(task, jobs)`.
 */
export function fanOut(
  task: Task,
  jobs: readonly HostJob[],
  { limit, where }: { limit?: number | undefined; where?: ((failures: number) => string) | undefined } = {},
): Subtasks {
  const errors: Error[] = []
  const record = (error: unknown): never => {
    errors.push(error instanceof Error ? error : new Error(String(error)))
    throw error
  }
  const subtasks: DeployTask[] = jobs.map((job) => ({
    title: job.title,
    task: (c, t) => {
      try {
        const work = job.run(c, t)
        if (!(work instanceof Listr)) return work.catch(record)
        const run = work.run.bind(work)
        work.run = (ctx) => run(ctx).catch(record)
        return work
      } catch (error) {
        return record(error)
      }
    },
  }))
  return whenDone(task.newListr(subtasks, { concurrent: limit ?? true, exitOnError: false }), () => {
    if (errors.length > 0) throw new HostsError(errors, where?.(errors.length))
  })
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
  task: (ctx, task) =>
    fanOut(
      task,
      hosts(ctx).map((host) => ({ title: host, run: (c, t) => job(c, host, t) })),
    ),
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
  task: (ctx, task) => {
    const out = new Map<string, readonly ReportBlock[]>()
    const targets = hosts(ctx)
    const jobs = targets.map((host) => ({
      title: host,
      run: async (c: DeployContext, t: Task) => void out.set(host, await read(c, host, t)),
    }))
    return whenDone(fanOut(task, jobs), () => {
      for (const host of targets) {
        for (const { header, text } of out.get(host) ?? [])
          ctx.found.report.push(`${header}\n${text.trimEnd() || '(no output)'}\n`)
      }
    })
  },
})
