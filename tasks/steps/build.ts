import { existsSync } from 'node:fs'
import { resolve } from 'node:path'
import { detectEngine, describeEngine } from '../../lib/build/engine.ts'
import { prepareBuildDir } from '../../lib/build/prepare.ts'
import { ensureBuilder } from '../../lib/build/setup.ts'
import * as builder from '../../lib/commands/builder.ts'
import * as registry from '../../lib/commands/registry.ts'
import type { DeployContext, DeployTask } from '../../lib/context.ts'
import { BuildError } from '../../lib/errors.ts'
import { runHook } from './hooks.ts'

/** Logs in the local docker to the registry (password on stdin), so the push is authorised. */
export const loginRegistryLocally = (): DeployTask => ({
  title: 'Log in to the registry',
  enabled: (ctx) => !ctx.flags.skipPush,
  skip: (ctx) => (ctx.config.registry.password.value === '' ? 'no registry password configured' : false),
  task: async (ctx, task) => {
    await ctx.local.run(registry.login(ctx.config), { stdin: registry.passwordStdin(ctx.config), signal: ctx.signal })
    task.output = `Logged in to ${ctx.config.registry.server ?? 'Docker Hub'}`
  },
})

/**
 * Builds the image from a clean clone of HEAD (or from `builder.context` in the checkout), with
 * docker's output streamed into the task. With buildx the build also pushes both tags. Disabled by
 * `--skip-push`; the pre-build hook is a task of its own (`runHook('pre-build')`).
 */
export const buildImage = (): DeployTask => ({
  title: 'Build image',
  enabled: (ctx) => !ctx.flags.skipPush,
  task: async (ctx, task) => {
    const { config, local, signal } = ctx
    const log = (line: string): void => {
      if (line.trim()) task.output = line
    }
    const warn = (message: string): void => {
      ctx.found.warnings.push(message)
      log(message)
    }
    const target = builder.targetOf(config.builder)
    // Finding the engine (docker CLI calls) and preparing the clone (git calls) don't depend on each
    // other: side by side they save ~0.1 s. Both settle before either's failure is thrown.
    const [detected, prepared] = await Promise.allSettled([
      ctx.found.engine ?? detectEngine(local, { signal }),
      // A dry run's recorder cannot answer git's questions, so it shows the build of the project dir.
      ctx.flags.dryRun
        ? { dir: config.root, context: config.builder.context ?? '.' }
        : prepareBuildDir({ local, config, log, warn, signal }),
    ])
    if (detected.status === 'rejected') throw detected.reason
    const engine = (ctx.found.engine = detected.value)
    const problem = builder.unsupported(config, target, engine)
    if (problem) throw new BuildError(problem)
    if (prepared.status === 'rejected') throw prepared.reason
    const { dir, context } = prepared.value
    log(`Building ${config.repository}:${ctx.version} with ${describeEngine(engine)}`)
    if (engine.kind !== 'buildx' && target.kind === 'multiarch') {
      warn(
        `docker buildx is not installed: building for this machine's platform only (builder.multiarch: false silences this)`,
      )
    }
    if (!existsSync(resolve(dir, config.builder.dockerfile)))
      throw new BuildError(`missing ${config.builder.dockerfile} in ${dir}`)
    if (engine.kind === 'buildx') await ensureBuilder({ local, config, target, log, signal })
    await local.run(builder.build(config, target, { version: ctx.version, engine, context }), {
      cwd: dir,
      onOutput: log,
      signal,
    })
  },
})

/** Pushes `repo:VERSION` and `repo:latest[-dest]`; skipped when the buildx build already pushed them. */
export const pushImage = (): DeployTask => ({
  title: 'Push image',
  enabled: (ctx) => !ctx.flags.skipPush,
  task: async (ctx, task) => {
    // Detected here when no build ran before it, so this step also works in recipes without buildImage.
    const engine = (ctx.found.engine ??= await detectEngine(ctx.local, { signal: ctx.signal }))
    if (builder.pushesDuringBuild(builder.targetOf(ctx.config.builder), engine)) {
      task.skip('Pushed by docker buildx build --push')
      return
    }
    await ctx.local.run(builder.push(ctx.config, ctx.version), {
      onOutput: (line) => (task.output = line),
      signal: ctx.signal,
    })
  },
})

/** Login, pre-build hook, build, push and post-push hook as one step (Kamal's `build push`). */
export const buildAndPush = (): DeployTask => ({
  title: 'Build and push',
  enabled: (ctx: DeployContext) => !ctx.flags.skipPush,
  task: (_, task) =>
    task.newListr([loginRegistryLocally(), runHook('pre-build'), buildImage(), pushImage(), runHook('post-push')]),
})
