import { AsyncLocalStorage } from 'node:async_hooks'
import { Listr } from 'listr2'
import type { DeployContext, DeployTask } from '../lib/context.ts'
import type { Executor } from '../lib/exec/executor.ts'
import type { Command } from '../lib/shell/command.ts'

/** Wall time of one task of the tree, by its title path (`['Deploy lock', 'Locked', 'Boot app']`). */
export interface PhaseSample {
  readonly path: readonly string[]
  /** Milliseconds since the probe was made. */
  readonly start: number
  ms: number
}

/** One command run through ctx.remote or ctx.local, with the task it ran in. */
export interface CommandSample {
  readonly host: string
  readonly path: readonly string[]
  /** The programs it runs, e.g. `docker login, docker pull, sh`: no arguments, so no values or secrets. */
  readonly what: string
  readonly start: number
  readonly ms: number
}

/** Times a recipe: every task's wall time, and every command's, attributed to the task that ran it. */
export interface Probe {
  /** `steps` unchanged in content, nested under one task that hands them an instrumented context. */
  recipe(steps: readonly DeployTask[]): DeployTask[]
  readonly phases: PhaseSample[]
  readonly commands: CommandSample[]
}

/** A fresh probe; its clock starts now. */
export function probe(): Probe {
  const t0 = performance.now()
  const now = (): number => performance.now() - t0
  const where = new AsyncLocalStorage<readonly string[]>()
  const phases: PhaseSample[] = []
  const commands: CommandSample[] = []

  // Wraps a task so that its time, and the time of the listr it returns, is recorded; its subtasks
  // (from newListr, returned or run in place as fanOut does) are wrapped the same way.
  const timed = (task: DeployTask, parent: readonly string[]): DeployTask => ({
    ...task,
    task: (ctx, wrapper) => {
      const path = [...parent, wrapper.title ?? String(task.title ?? '')]
      const sample: PhaseSample = { path, start: now(), ms: Number.NaN }
      phases.push(sample)
      const done = (): void => void (sample.ms = now() - sample.start)
      const proxied = new Proxy(wrapper, {
        get: (target, key) =>
          key === 'newListr'
            ? (sub: DeployTask | DeployTask[], options?: object) =>
                target.newListr(
                  [sub].flat().map((s) => timed(s, path)),
                  options,
                )
            : Reflect.get(target, key),
      })
      const finish = (result: unknown): unknown => {
        if (!(result instanceof Listr)) return (done(), result)
        // listr2 runs a returned listr after this function returns: stop the clock when that run ends.
        const run = result.run.bind(result)
        result.run = (c?: unknown) => run(c).finally(done)
        return result
      }
      return where.run(path, () => {
        const result = task.task(ctx, proxied)
        return result instanceof Promise
          ? result.then(finish, (e: unknown) => (done(), Promise.reject(e)))
          : finish(result)
      }) as ReturnType<NonNullable<DeployTask['task']>>
    },
  })

  const instrument = (executor: Executor): Executor => ({
    host: executor.host,
    run: async (command, options) => {
      const path = where.getStore() ?? []
      const start = now()
      try {
        return await executor.run(command, options)
      } finally {
        commands.push({ host: executor.host, path, what: programs(command), start, ms: now() - start })
      }
    },
  })

  const contextFor = (ctx: DeployContext): DeployContext => {
    const remotes = new Map<string, Executor>()
    const remote = (host: string): Executor =>
      remotes.get(host) ?? remotes.set(host, instrument(ctx.remote(host))).get(host)!
    return { ...ctx, local: instrument(ctx.local), remote }
  }

  return {
    phases,
    commands,
    recipe: (steps) => [
      {
        title: 'Deploy (benchmarked)',
        // The `ctx` option is inherited by every nested listr, so all steps see the instrumented executors.
        task: (ctx, task) =>
          task.newListr(
            steps.map((s) => timed(s, [])),
            { ctx: contextFor(ctx) },
          ),
      },
    ],
  }
}

/**
 * `docker login, docker pull, sh health-wait.sh`: program (docker's subcommand, a remote program's
 * file) of each simple command, in order, deduplicated.
 */
export function programs(command: Command): string {
  const names: string[] = []
  const walk = (c: Command): void => {
    if (c.kind === 'template') return void (names.includes('sh') || names.push('sh'))
    if (c.kind !== 'exec') return c.commands.forEach(walk)
    // A remote program (lib/commands/sh) by its file: `sh health-wait.sh` says which wait it was.
    if (c.program !== undefined) return void (names.includes(`sh ${c.program}`) || names.push(`sh ${c.program}`))
    // `env A=1 docker build` is a docker build; `|| true` adds nothing worth a name.
    const words =
      c.argv[0] === 'env' ? c.argv.slice(1).filter((a) => typeof a !== 'string' || !/^\w+=/.test(a)) : c.argv
    const [program, sub] = words
    if (typeof program !== 'string' || program === 'true') return
    const name = program === 'docker' && typeof sub === 'string' && /^[a-z]+$/.test(sub) ? `docker ${sub}` : program
    if (!names.includes(name)) names.push(name)
  }
  walk(command)
  return names.join(', ')
}
