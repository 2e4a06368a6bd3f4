import type { DeployTask } from '../../lib/context.ts'
import * as app from '../../lib/commands/app.ts'
import * as prune from '../../lib/commands/prune.ts'
import { absoluteImage } from '../../lib/commands/naming.ts'
import { CommandError } from '../../lib/errors.ts'
import type { Command } from '../../lib/shell/command.ts'
import type { DeployContext } from '../../lib/context.ts'
import { audited } from './audit.ts'
import { onHosts } from './fan-out.ts'
import { runLoggedIn } from './registry-login.ts'

/**
 * Pulls `repo:VERSION` on every selected host and checks its `service` label (unless this run built
 * it, with that label), logging in first where this run has not yet: one round trip per host either way.
 */
export const pullImage = (): DeployTask =>
  onHosts(
    'Pull image',
    (ctx) => ctx.selection.hosts,
    async (ctx, host, task) => {
      task.output = `docker pull ${ctx.config.repository}:${ctx.version}`
      await runLoggedIn(
        ctx,
        host,
        audited(
          ctx,
          `Pulled image with version ${ctx.version}`,
          app.pull(ctx.config, ctx.version, { labelled: ctx.found.built === ctx.version }),
        ),
      )
    },
  )

/**
 * Moves `latest[-DEST]` to this version on every host: only after every host booted, so "the
 * current container" stays trustworthy. Once it starts it is not cancelled: every host is serving
 * the new version by then, and a tag moved on some hosts only would make "current" differ by host.
 */
export const tagLatest = (): DeployTask =>
  onHosts(
    'Tag latest',
    (ctx) => ctx.selection.hosts,
    async (ctx, host) =>
      await besideStops(ctx, host, () =>
        moveLatest(ctx, host, audited(ctx, tagLine(ctx), app.tagLatest(ctx.config, ctx.version))),
      ),
  )

const tagLine = (ctx: DeployContext): string => `Tagging ${absoluteImage(ctx.config, ctx.version)} as the latest image`

/**
 * Runs `work` on `host` while the boot's stops of old containers there finish (ctx.found.pending):
 * neither waits for the other, and both have ended when this returns, the first failure thrown.
 * `work` gets the containers being stopped, which a prune counts as stopped.
 */
async function besideStops(
  ctx: DeployContext,
  host: string,
  work: (stopping: readonly string[]) => Promise<void>,
): Promise<void> {
  const [done, stopped] = await Promise.allSettled([
    work(ctx.found.pending.stopping(host)),
    ctx.found.pending.settle(host),
  ])
  if (done.status === 'rejected') throw done.reason
  if (stopped.status === 'rejected') throw stopped.reason
}

/** Runs `command` (the tag, maybe with the prune) on `host`; the host counts as live once its tag moved, even if its prune failed. */
async function moveLatest(ctx: DeployContext, host: string, command: Command): Promise<void> {
  try {
    await ctx.remote(host).run(command)
    ctx.report.live.add(host)
  } catch (error) {
    if (error instanceof CommandError && error.stdout.split('\n').includes(prune.TAGGED)) ctx.report.live.add(host)
    throw error
  }
}

/**
 * Keeps `retain_containers` stopped containers per role and the images they use; removes the rest.
 * Housekeeping only: skipped after a cancel, and stopped where it runs (the next deploy prunes).
 */
export const pruneOld = (): DeployTask =>
  onHosts(
    'Prune',
    (ctx) => ctx.selection.hosts,
    async (ctx, host) =>
      await besideStops(ctx, host, async (stopping) => {
        await ctx.remote(host).run(prunedAll(ctx, { stopping }), { signal: ctx.signal })
      }),
    { skip: (ctx) => ctx.signal.aborted && 'cancelled: skipped (the next deploy prunes)' },
  )

/**
 * Kamal's `prune all` with its two audit lines, in one round trip: containers beyond `retain`, then
 * unused images; with `tag`, that version is tagged latest first (prune.all). `stopping`: the
 * containers a boot is still stopping on that host (ctx.found.pending), counted as stopped.
 */
export const prunedAll = (
  ctx: DeployContext,
  options: { retain?: number; tag?: string; stopping?: readonly string[] } = {},
): Command => audited(ctx, 'Pruned containers', audited(ctx, 'Pruned images', prune.all(ctx.config, options)))

/**
 * `tagLatest()` then `pruneOld()` on each host in ONE round trip, so the lock the deploy holds
 * around them is released sooner: one program moves the tag while it lists what there is to prune,
 * and removes only once the tag moved. A host whose tag succeeded counts as live even if its
 * prune failed. Like `tagLatest()` it is not cancelled once it runs (a tag moved on some hosts only
 * would make "current" differ by host); a host it starts on after a Ctrl-C only tags, as
 * `pruneOld()` is skipped then. The three audit lines go first, as every audit line does.
 */
export const tagAndPrune = (): DeployTask =>
  onHosts(
    'Tag latest and prune',
    (ctx) => ctx.selection.hosts,
    async (ctx, host) =>
      await besideStops(ctx, host, async (stopping) => {
        const tag = ctx.signal.aborted
          ? app.tagLatest(ctx.config, ctx.version)
          : prunedAll(ctx, { tag: ctx.version, stopping })
        await moveLatest(ctx, host, audited(ctx, tagLine(ctx), tag))
      }),
  )
