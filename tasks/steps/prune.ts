import type { DeployTask } from '../../lib/context.ts'
import * as prune from '../../lib/commands/prune.ts'
import { prunedAll } from './app.ts'
import { audited } from './audit.ts'
import { onHosts } from './fan-out.ts'

// Kamal's `prune all|containers|images` on every selected host, each with its audit line in the
// same round trip. `retain` defaults to the config's retain_containers.

/** Stopped containers beyond the newest `retain`, then images no container uses (latest kept). */
export const pruneAll = ({ retain }: { retain?: number | undefined } = {}): DeployTask =>
  onHosts(
    'Prune containers and images',
    (ctx) => ctx.selection.hosts,
    async (ctx, host) => void (await ctx.remote(host).run(prunedAll(ctx, { retain }), { signal: ctx.signal })),
  )

/** Stopped containers of the service beyond the newest `retain`. */
export const pruneContainers = ({ retain }: { retain?: number | undefined } = {}): DeployTask =>
  onHosts(
    'Prune containers',
    (ctx) => ctx.selection.hosts,
    async (ctx, host) => {
      const command = audited(ctx, 'Pruned containers', prune.containers(ctx.config, { retain }))
      await ctx.remote(host).run(command, { signal: ctx.signal })
    },
  )

/** Images of the service that no container uses (the latest tag is kept). */
export const pruneImages = (): DeployTask =>
  onHosts(
    'Prune images',
    (ctx) => ctx.selection.hosts,
    async (ctx, host) => {
      await ctx.remote(host).run(audited(ctx, 'Pruned images', prune.images(ctx.config)), { signal: ctx.signal })
    },
  )
