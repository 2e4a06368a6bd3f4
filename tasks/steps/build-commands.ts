import { lastBuild } from '../../lib/build/last-build.ts'
import { chooseRoute, describeRoute, type BuildRoute } from '../../lib/build/route.ts'
import { ensureBuilder } from '../../lib/build/setup.ts'
import * as builder from '../../lib/commands/builder.ts'
import * as registry from '../../lib/commands/registry.ts'
import * as remoteBuild from '../../lib/commands/remote-build.ts'
import type { DeployContext, DeployTask } from '../../lib/context.ts'
import { and, cmd } from '../../lib/shell/command.ts'

// Kamal's `build create|remove|details`, for both routes: with buildx here they act on Kamal's
// buildx builder and docker contexts as Kamal's do; without buildx they act on the remote builder
// itself, over slipway's ssh connection (its URI's user and port, its host key checked). What they
// find goes to ctx.report.lines.

const routeOf = async (ctx: DeployContext): Promise<BuildRoute> =>
  (ctx.found.route ??= await chooseRoute({
    config: ctx.config,
    local: ctx.local,
    remote: ctx.remote,
    signal: ctx.signal,
  }))

/**
 * Makes the builder ready. buildx: creates the buildx builder and docker contexts (pre-connecting
 * to an ssh:// remote as its URI's user and port first) unless they exist as configured. No buildx:
 * connects to the remote builder, checks its docker engine and logs it in to the registry.
 */
export const createBuilder = (): DeployTask => ({
  title: 'Create builder',
  task: async (ctx, task) => {
    const { config, signal } = ctx
    const route = await routeOf(ctx)
    const log = (line: string): void => void (task.output = line)
    switch (route.kind) {
      case 'buildx':
        await ensureBuilder({ local: ctx.local, config, target: route.target, log, signal })
        ctx.report.lines.push(`Builder ready: ${describeRoute(route, config)}`)
        return
      case 'local':
        ctx.report.lines.push(`Nothing to create: images are built with ${describeRoute(route, config)}`)
        return
      case 'remote': {
        task.title = `Create builder on ${route.builder.spec}`
        const remote = ctx.remote(route.builder.spec)
        const version = await remote.run(remoteBuild.engineVersion(dockerOf(route)), { signal })
        if (config.registry.password.value !== '') {
          await remote.run(registry.login(config), { stdin: registry.passwordStdin(config), signal })
          ctx.found.loggedIn.add(route.builder.spec)
        }
        ctx.report.lines.push(
          `Builder ready: ${describeRoute(route, config)}`,
          `Engine: ${version.stdout.trim()}, logged in to ${config.registry.server ?? 'Docker Hub'}`,
        )
        return
      }
      default:
        return route satisfies never
    }
  },
})

/** Removes what create made: Kamal's buildx builder and contexts; or, on a remote builder, its registry login and leftover temp dirs. */
export const removeBuilder = (): DeployTask => ({
  title: 'Remove builder',
  task: async (ctx, task) => {
    const { config, signal } = ctx
    const route = await routeOf(ctx)
    switch (route.kind) {
      case 'buildx':
        for (const step of builder.remove(config, route.target))
          await ctx.local.run(step, { allowFailure: true, signal })
        ctx.report.lines.push(`Removed builder ${builder.builderName(config, route.target)}`)
        return
      case 'local':
        ctx.report.lines.push(`Nothing to remove: images are built with ${describeRoute(route, config)}`)
        return
      case 'remote': {
        task.title = `Remove builder on ${route.builder.spec}`
        const remote = ctx.remote(route.builder.spec)
        const removed = await remote.run(and(registry.logout(config), remoteBuild.removeLeftovers()), { signal })
        ctx.found.loggedIn.delete(route.builder.spec)
        ctx.report.lines.push(
          `Logged ${route.builder.spec} out of ${config.registry.server ?? 'Docker Hub'}; removed ${removed.stdout.trim().split('\n').pop()} leftover build temp dirs`,
        )
        return
      }
      default:
        return route satisfies never
    }
  },
})

/** Where builds run and where the last one ran: Kamal's `docker context ls && docker buildx ls` with buildx, else the remote builder's engine and its images of the app. */
export const builderDetails = (): DeployTask => ({
  title: 'Builder details',
  task: async (ctx) => {
    const { config, signal } = ctx
    const route = await routeOf(ctx)
    const lines = [`Builder: ${describeRoute(route, config)}`]
    if (route.kind === 'buildx') {
      const found = await ctx.local.run(and(cmd('docker', 'context', 'ls'), cmd('docker', 'buildx', 'ls')), { signal })
      lines.push(found.stdout.trimEnd())
    } else if (route.kind === 'remote') {
      const remote = ctx.remote(route.builder.spec)
      const [version, images] = await Promise.all([
        remote.run(remoteBuild.engineVersion(dockerOf(route)), { signal }),
        remote.run(remoteBuild.images(config, dockerOf(route)), { signal }),
      ])
      lines.push(`Engine: ${version.stdout.trim()}`, `Images on ${route.builder.spec}:`)
      lines.push(...(images.stdout.trim() ? images.stdout.trim().split('\n') : ['(none)']).map((l) => `  ${l}`))
    }
    const last = await lastBuild(config)
    lines.push(
      last ? `Last build: ${last.image} on ${last.host} at ${last.at}` : 'Last build: none recorded on this machine',
    )
    ctx.report.lines.push(lines.join('\n'))
  },
})

const dockerOf = (route: Extract<BuildRoute, { kind: 'remote' }>): string =>
  route.engine.kind === 'buildx' ? 'docker' : route.engine.docker
