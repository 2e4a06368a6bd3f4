import type { DeployTask } from '../../lib/context.ts'
import * as app from '../../lib/commands/app.ts'
import * as prune from '../../lib/commands/prune.ts'
import { andAll } from '../../lib/commands/args.ts'
import { CommandError } from '../../lib/errors.ts'
import { cmd } from '../../lib/shell/command.ts'
import { onHosts } from './fan-out.ts'
import { runLoggedIn } from './registry-login.ts'

/**
 * Pulls `repo:VERSION` on every selected host and checks its `service` label, logging in first
 * where this run has not yet: one round trip per host either way.
 */
export const pullImage = (): DeployTask =>
  onHosts(
    'Pull image',
    (ctx) => ctx.selection.hosts,
    async (ctx, host, task) => {
      task.output = `docker pull ${ctx.config.repository}:${ctx.version}`
      await runLoggedIn(ctx, host, app.pull(ctx.config, ctx.version))
    },
  )

/** Moves `latest[-DEST]` to this version on every host: only after every host booted, so "the current container" stays trustworthy. */
export const tagLatest = (): DeployTask =>
  onHosts(
    'Tag latest',
    (ctx) => ctx.selection.hosts,
    async (ctx, host) => {
      await ctx.remote(host).run(app.tagLatest(ctx.config, ctx.version))
      ctx.found.live.add(host)
    },
  )

/** Keeps `retain_containers` stopped containers per role and the images they use; removes the rest. */
export const pruneOld = (): DeployTask =>
  onHosts(
    'Prune',
    (ctx) => ctx.selection.hosts,
    async (ctx, host) => {
      await ctx.remote(host).run(prune.all(ctx.config))
    },
  )

/**
 * `tagLatest()` then `pruneOld()` on each host in ONE round trip (`docker tag && prune`), so the lock
 * the deploy holds around them is released one round trip sooner. Same order, same effect: the prune
 * runs only once `latest` moved; a host whose tag succeeded counts as live even if its prune failed.
 */
export const tagAndPrune = (): DeployTask =>
  onHosts(
    'Tag latest and prune',
    (ctx) => ctx.selection.hosts,
    async (ctx, host) => {
      const tagged = andAll(app.tagLatest(ctx.config, ctx.version), cmd('echo', TAGGED))
      try {
        await ctx.remote(host).run(andAll(tagged, prune.all(ctx.config)))
        ctx.report.live.add(host)
      } catch (error) {
        if (error instanceof CommandError && error.stdout.split('\n').includes(TAGGED)) ctx.report.live.add(host)
        throw error
      }
    },
  )

const TAGGED = 'slipway:tagged'
