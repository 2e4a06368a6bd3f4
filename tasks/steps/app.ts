import type { DeployTask } from '../../lib/context.ts'
import * as app from '../../lib/commands/app.ts'
import * as registry from '../../lib/commands/registry.ts'
import * as prune from '../../lib/commands/prune.ts'
import { onHosts } from './fan-out.ts'

/**
 * `docker login` on every selected host (password on stdin). The deploy runs it while the image
 * builds (Kamal logs in everywhere before building, too); `ctx.found.loggedIn` lets the pull skip it.
 */
export const loginRegistryRemotely = (): DeployTask =>
  onHosts('Log in to the registry on the servers', (ctx) => ctx.selection.hosts, async (ctx, host, task) => {
    await ctx.remote(host).run(registry.login(ctx.config), { stdin: registry.passwordStdin(ctx.config), signal: ctx.signal })
    ctx.found.loggedIn.add(host)
    task.output = `Logged in to ${ctx.config.registry.server ?? 'Docker Hub'}`
  })

/**
 * Pulls `repo:VERSION` on every selected host and checks its `service` label, logging in first
 * where this run has not yet: one round trip per host either way.
 */
export const pullImage = (): DeployTask =>
  onHosts('Pull image', (ctx) => ctx.selection.hosts, async (ctx, host, task) => {
    const { config, version, signal } = ctx
    task.output = `docker pull ${config.repository}:${version}`
    if (ctx.found.loggedIn.has(host)) await ctx.remote(host).run(app.pull(config, version), { signal })
    else await ctx.remote(host).run(app.loginAndPull(config, version), { stdin: registry.passwordStdin(config), signal })
    ctx.found.loggedIn.add(host)
  })

/** Moves `latest[-DEST]` to this version on every host: only after every host booted, so "the current container" stays trustworthy. */
export const tagLatest = (): DeployTask =>
  onHosts('Tag latest', (ctx) => ctx.selection.hosts, async (ctx, host) => {
    await ctx.remote(host).run(app.tagLatest(ctx.config, ctx.version))
  })

/** Keeps `retain_containers` stopped containers per role and the images they use; removes the rest. */
export const pruneOld = (): DeployTask =>
  onHosts('Prune', (ctx) => ctx.selection.hosts, async (ctx, host) => {
    await ctx.remote(host).run(prune.all(ctx.config))
  })
