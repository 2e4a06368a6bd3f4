import type { DeployTask } from '../../lib/context.ts'
import * as service from '../../lib/commands/service.ts'
import { removeAccessory } from './accessory.ts'
import { removeApp } from './app-commands.ts'
import { audited } from './audit.ts'
import { onHosts } from './fan-out.ts'
import { removeProxy } from './proxy.ts'
import { logoutRemotely } from './registry.ts'

/** The service's env files and cord dirs on every selected host, with the audit line. */
export const removeServiceFiles = (): DeployTask =>
  onHosts(
    'Remove service files',
    (ctx) => ctx.selection.hosts,
    async (ctx, host) => {
      await ctx.remote(host).run(audited(ctx, 'Removed app', service.removeFiles(ctx.config)), { signal: ctx.signal })
    },
  )

/** Kamal's `remove`: proxy, app, every accessory, the service's files, then the servers' registry login. */
export const removeSteps = (): DeployTask[] => [
  removeProxy(),
  removeApp(),
  removeAccessory('all'),
  removeServiceFiles(),
  logoutRemotely(),
]
