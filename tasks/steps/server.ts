import type { DeployTask } from '../../lib/context.ts'
import { DeployError } from '../../lib/errors.ts'
import * as docker from '../../lib/commands/docker.ts'
import * as server from '../../lib/commands/server.ts'
import { onHosts } from './fan-out.ts'

/**
 * Kamal's `server bootstrap`: on every selected host, make sure Docker is there (installing it with
 * get.docker.com where it is missing and this user may), and create the run directory.
 */
export const bootstrapServers = (): DeployTask =>
  onHosts(
    'Bootstrap servers',
    (ctx) => ctx.selection.hosts,
    async (ctx, host, task) => {
      const remote = ctx.remote(host)
      const present = await remote.run(docker.installed(), { allowFailure: true, signal: ctx.signal })
      if (present.exitCode !== 0) {
        const allowed = await remote.run(docker.superuser(), { allowFailure: true, signal: ctx.signal })
        if (allowed.exitCode !== 0)
          throw new DeployError(
            `${host}: Docker is not installed and ${ctx.config.ssh.user} cannot install it (not root, no sudo or su): install Docker there first`,
          )
        task.output = `Installing Docker on ${host}`
        await remote.run(docker.install(), { signal: ctx.signal })
      }
      await remote.run(server.bootstrap(ctx.config), { signal: ctx.signal })
      task.output = `${host}: ${present.stdout.trim() || 'Docker installed'}`
    },
  )
