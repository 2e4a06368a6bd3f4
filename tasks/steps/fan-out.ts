import { Listr, type ListrTaskWrapper } from 'listr2'
import type { DeployContext, DeployTask } from '../../lib/context.ts'
import { DeployError, HostsError } from '../../lib/errors.ts'

// listr2's own task wrapper type, loosened on the renderer parameters we never touch.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Task = ListrTaskWrapper<DeployContext, any, any>

/** A task list made by `task.newListr(…)`, for a task to return. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Subtasks = Listr<DeployContext, any, any>

/** One unit of host work, shown as a subtask titled `title`; it may return subtasks of its own. */
export interface HostJob {
  readonly title: string
  /** The host it works on: failures that read the same on several hosts are reported once. */
  readonly host?: string
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

/** What a task function may give listr2: nothing, a promise, or subtasks to run. */
type Work = void | Promise<void> | Subtasks

/**
 * Calls `record` with the error of a task's work, whether it threw, rejected or returned subtasks
 * that failed; the error (or what `shown` makes of it) still fails the task. This is how lists that
 * go on after a failure (`exitOnError: false`) still learn what failed.
 */
export function onFailure(
  work: () => Work,
  record: (error: unknown) => void,
  shown: (error: unknown) => unknown = (error) => error,
): Work {
  const fail = (error: unknown): never => {
    record(error)
    throw shown(error)
  }
  try {
    const result = work()
    if (result instanceof Listr) {
      const run = result.run.bind(result)
      result.run = (ctx) => run(ctx).catch(fail)
      return result
    }
    return result instanceof Promise ? result.catch(fail) : result
  } catch (error) {
    return fail(error)
  }
}

/**
 * Above this many jobs the tree shows one progress line for them ("57 of 200 hosts done") instead
 * of a line per host, which would not fit a terminal (it draws every running host and its action).
 * Lines on a pipe (CI, the run log) still have every host.
 */
export const FOLD_ABOVE = 10

/** How often a folded fan-out's progress line changes at most: each change is a line off a terminal. */
const PROGRESS_EVERY_MS = 1000

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
  if (jobs.length <= FOLD_ABOVE) return hostList(task, jobs, { limit, where })
  return task.newListr(
    [
      {
        title: progress(0, 0, jobs.length),
        task: (_c, t) => {
          let done = 0
          let failed = 0
          let shown = Date.now()
          const tick = (ok: boolean): void => {
            done++
            if (!ok) failed++
            if (done < jobs.length && Date.now() - shown < PROGRESS_EVERY_MS) return
            shown = Date.now()
            t.title = progress(done, failed, jobs.length)
          }
          return hostList(t, jobs, { limit, where, tick })
        },
      },
    ],
    // The tree (listr2's default renderer) draws the line without the hosts under it, and on a
    // failure just the line: the failures come once, in the summary after the run.
    { rendererOptions: { showSubtasks: false, collapseErrors: true } },
  )
}

const progress = (done: number, failed: number, total: number): string =>
  done === total && failed === 0
    ? `${total} hosts`
    : `${done} of ${total} hosts done${failed ? `, ${failed} failed` : ''}`

/** One subtask per job; `tick` is told each job's end (ok or not). */
function hostList(
  task: Task,
  jobs: readonly HostJob[],
  {
    limit,
    where,
    tick,
  }: {
    limit?: number | undefined
    where?: ((failures: number) => string) | undefined
    tick?: (ok: boolean) => void
  },
): Subtasks {
  // By job, not by arrival: the summary lists failures in host order, primary first.
  const errors: (Error | undefined)[] = jobs.map(() => undefined)
  const subtasks: DeployTask[] = jobs.map((job, index) => ({
    title: job.title,
    task: (c, t) =>
      afterwards(
        () =>
          onFailure(
            () => job.run(c, t),
            (error) => (errors[index] = error instanceof Error ? error : new Error(String(error))),
            // The tree shows each job's first line; the details come once, in the summary after the run.
            (error) => (error instanceof DeployError ? new DeployError(firstLine(error.message)) : error),
          ),
        () => tick?.(errors[index] === undefined),
      ),
  }))
  return whenDone(task.newListr(subtasks, { concurrent: limit ?? true, exitOnError: false }), () => {
    const failed = errors.filter((e): e is Error => e !== undefined)
    if (failed.length === 0) return
    const hosts = jobs.map((job, index) => (errors[index] ? job.host : undefined)).filter((_, i) => errors[i])
    throw new HostsError(failed, where?.(failed.length), hosts)
  })
}

/** Calls `then` once `work()` has ended, whether it succeeded or not; the outcome is unchanged. */
function afterwards(work: () => Work, then: () => void): Work {
  let result: Work
  try {
    result = work()
  } catch (error) {
    then()
    throw error
  }
  if (result instanceof Listr) return whenDone(result, then)
  if (result instanceof Promise) return result.finally(then)
  then()
  return result
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
      hosts(ctx).map((host) => ({ title: host, host, run: (c, t) => job(c, host, t) })),
    ),
})

/** What one host contributes to a report: `{ header, text }` blocks, e.g. one per role on it. */
export interface ReportBlock {
  readonly header: string
  readonly text: string
}

/**
 * A read-only task: `read` on every host in parallel; each host's blocks go to `ctx.report.lines`
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
      host,
      run: async (c: DeployContext, t: Task) => void out.set(host, await read(c, host, t)),
    }))
    return whenDone(fanOut(task, jobs), () => {
      for (const host of targets) {
        for (const { header, text } of out.get(host) ?? [])
          ctx.report.lines.push(`${header}\n${text.trimEnd() || '(no output)'}\n`)
      }
    })
  },
})

const firstLine = (text: string): string => text.split('\n', 1)[0] ?? ''
