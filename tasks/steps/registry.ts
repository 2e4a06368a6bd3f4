import type { DeployTask } from '../../lib/context.ts'
import * as registry from '../../lib/commands/registry.ts'
import { onHosts } from './fan-out.ts'
import { loginRegistryRemotely } from './registry-login.ts'

// Kamal's `registry login|logout [-L] [-R]`: this machine's docker and every selected host's.

/** `docker login` here (password on stdin). */
export const loginLocally = (): DeployTask => ({
  title: 'Log in to the registry here',
  task: async (ctx) => {
    await ctx.local.run(registry.login(ctx.config), { stdin: registry.passwordStdin(ctx.config), signal: ctx.signal })
  },
})

/** `docker login` on every selected host, whatever their docker already stores. */
export const loginRemotely = (): DeployTask => loginRegistryRemotely({ unlessStored: false })

/** `docker logout` here. */
export const logoutLocally = (): DeployTask => ({
  title: 'Log out of the registry here',
  task: async (ctx) => void (await ctx.local.run(registry.logout(ctx.config), { signal: ctx.signal })),
})

/** `docker logout` on every selected host. */
export const logoutRemotely = (): DeployTask =>
  onHosts(
    'Log out of the registry on the servers',
    (ctx) => ctx.selection.hosts,
    async (ctx, host) => {
      await ctx.remote(host).run(registry.logout(ctx.config), { signal: ctx.signal })
      ctx.found.loggedIn.delete(host)
    },
  )
