import { existsSync } from 'node:fs'
import { resolve } from 'node:path'
import { recordBuild } from '../../lib/build/last-build.ts'
import { prepareBuildDir } from '../../lib/build/prepare.ts'
import { buildRemotely } from '../../lib/build/remote.ts'
import { buildHost, chooseRoute, describeRoute } from '../../lib/build/route.ts'
import { ensureBuilder } from '../../lib/build/setup.ts'
import * as builder from '../../lib/commands/builder.ts'
import type { BuildEngine } from '../../lib/commands/builder.ts'
import * as registry from '../../lib/commands/registry.ts'
import type { DeployContext, DeployTask } from '../../lib/context.ts'
import { BuildError } from '../../lib/errors.ts'
import { andAll } from '../../lib/commands/args.ts'
import { runHook } from './hooks.ts'
import { loginLine, loginOf } from './registry-login.ts'

/**
 * Logs in the local docker to the registry (password on stdin), so the push is authorised; where
 * it already stores these credentials for the registry, it keeps them (no docker process, no
 * round trip to the registry before the build).
 */
export const loginRegistryLocally = (): DeployTask => ({
  title: 'Log in to the registry',
  enabled: (ctx) => !ctx.flags.skipPush,
  skip: (ctx) => (ctx.config.registry.password.value === '' ? 'no registry password configured' : false),
  task: async (ctx, task) => {
    const login = loginOf(ctx, { unlessStored: true })
    const { stdout } = await ctx.local.run(login.command, { stdin: login.stdin, signal: ctx.signal })
    task.output = loginLine(ctx, stdout)
  },
})

/**
 * Builds the image from a clean clone of HEAD (or from `builder.context` in the checkout), with
 * docker's output streamed into the task, the way the route says (lib/build/route.ts): Kamal's
 * buildx targets where buildx is installed (they push as they build), else on the remote builder's
 * engine over ssh, else `docker build` here. Disabled by `--skip-push`; the pre-build hook is a
 * task of its own (`runHook('pre-build')`).
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
      ctx.report.warnings.push(message)
      log(message)
    }
    // Choosing the route (docker CLI calls here, the builder's connection and host key check) and
    // preparing the clone (git calls) don't depend on each other. Both settle before either fails.
    const [routed, prepared] = await Promise.allSettled([
      ctx.found.route ?? chooseRoute({ config, local, remote: ctx.remote, signal }),
      // A dry run's recorder cannot answer git's questions, so it shows the build of the project dir.
      ctx.flags.dryRun
        ? { dir: config.root, context: config.builder.context ?? '.' }
        : prepareBuildDir({ local, config, log, warn, signal, checkout: ctx.found.checkout }),
    ])
    if (routed.status === 'rejected') throw routed.reason
    const route = (ctx.found.route = routed.value)
    const problem = route.kind === 'local' ? builder.unsupported(config, route.target, route.engine) : undefined
    if (problem) throw new BuildError(problem)
    if (prepared.status === 'rejected') throw prepared.reason
    const { dir, context } = prepared.value
    const host = buildHost(route, config)
    if (host !== 'localhost') task.title = `Build image on ${host}`
    log(`Building ${config.repository}:${ctx.version} with ${describeRoute(route, config)}`)
    if (!existsSync(resolve(dir, config.builder.dockerfile)))
      throw new BuildError(`missing ${config.builder.dockerfile} in ${dir}`)
    const run = { cwd: dir, onOutput: log, signal }
    switch (route.kind) {
      case 'buildx':
        await ensureBuilder({ local, config, target: route.target, log, signal })
        await local.run(builder.build(config, route.target, { version: ctx.version, engine: BUILDX, context }), run)
        break
      case 'local':
        if (route.target.kind === 'multiarch')
          warn(
            `docker buildx is not installed: building for this machine's platform only (builder.multiarch: false silences this)`,
          )
        await local.run(
          builder.build(config, route.target, { version: ctx.version, engine: route.engine, context }),
          run,
        )
        break
      case 'remote':
        if (config.builder.localArch !== undefined || config.builder.localHost !== undefined)
          warn(
            `docker buildx is not installed: building linux/${config.builder.remoteArch ?? 'amd64'} only, on ${route.builder.spec} (builder.local is skipped)`,
          )
        await buildRemotely({
          config,
          version: ctx.version,
          local,
          remote: ctx.remote(route.builder.spec),
          builder: route.builder,
          engine: route.engine,
          dir,
          context,
          log,
          signal,
        })
        ctx.found.loggedIn.add(route.builder.spec)
        break
      default:
        return route satisfies never
    }
    ctx.found.built = ctx.version
    if (!ctx.flags.dryRun) await recordBuild(config, { version: ctx.version, host, how: describeRoute(route, config) })
  },
})

/** Pushes `repo:VERSION` and `repo:latest[-dest]` from where the image was built; skipped when buildx already pushed. */
export const pushImage = (): DeployTask => ({
  title: 'Push image',
  enabled: (ctx) => !ctx.flags.skipPush,
  task: async (ctx, task) => {
    const { config, signal } = ctx
    // Decided here when no build ran before it, so this step also works in recipes without buildImage.
    const route = (ctx.found.route ??= await chooseRoute({ config, local: ctx.local, remote: ctx.remote, signal }))
    const onOutput = (line: string): void => {
      if (line.trim()) task.output = line
    }
    if (route.kind === 'buildx' && builder.pushesDuringBuild(route.target, BUILDX)) {
      task.skip('Pushed by docker buildx build --push')
      return
    }
    if (route.kind !== 'remote') {
      await ctx.local.run(builder.push(config, ctx.version), { onOutput, signal })
      return
    }
    task.title = `Push image from ${route.builder.spec}`
    const push = builder.push(config, ctx.version)
    // Logged in by the build; a recipe that pushes without building logs in first, in the same round trip.
    const loggedIn = ctx.found.loggedIn.has(route.builder.spec) || config.registry.password.value === ''
    await ctx
      .remote(route.builder.spec)
      .run(
        loggedIn ? push : andAll(registry.login(config), push),
        loggedIn ? { onOutput, signal } : { onOutput, signal, stdin: registry.passwordStdin(config) },
      )
    ctx.found.loggedIn.add(route.builder.spec)
  },
})

const BUILDX: BuildEngine = { kind: 'buildx' }

/** Login, pre-build hook, build, push and post-push hook as one step (Kamal's `build push`). */
export const buildAndPush = (): DeployTask => ({
  title: 'Build and push',
  enabled: (ctx: DeployContext) => !ctx.flags.skipPush,
  task: (_, task) =>
    task.newListr([loginRegistryLocally(), runHook('pre-build'), buildImage(), pushImage(), runHook('post-push')]),
})
