import type { Accessory } from '../../lib/config/types.ts'
import type { DeployContext, DeployTask } from '../../lib/context.ts'
import * as accessoryCmd from '../../lib/commands/accessory.ts'
import { accessoriesNamed, hostPlan, readAccessoryFiles } from './accessory-select.ts'
import { fanOut } from './fan-out.ts'

// Kamal's hidden `accessory upload|directories NAME`: the two preparations of a boot, on their own.
// Paths are relative to home ('.'): ssh commands start there, so no `pwd` round trip is needed.

type Work = (ctx: DeployContext, host: string, accessory: Accessory) => Promise<void>

function onAccessoryHosts(title: string, name: string, work: Work): DeployTask {
  return {
    title,
    task: (ctx, task) => {
      const plan = hostPlan(ctx, accessoriesNamed(ctx, name))
      if (plan.size === 0) return task.skip(`${title}: no hosts`)
      return fanOut(
        task,
        [...plan].map(([host, accessories]) => ({
          title: host,
          run: async (c) => {
            for (const accessory of accessories) await work(c, host, accessory)
          },
        })),
      )
    },
  }
}

/** Uploads the accessory's `files:` (`.erb` rendered locally) to its service directory, mode 755. */
export const uploadAccessoryFiles = (name: string): DeployTask =>
  onAccessoryHosts(`Upload files of accessory ${name}`, name, async (ctx, host, accessory) => {
    for (const file of await readAccessoryFiles(ctx, accessory)) {
      await ctx.remote(host).run(accessoryCmd.uploadFile(accessoryCmd.filePath(accessory, '.', file.remote)), {
        stdin: file.content,
        signal: ctx.signal,
      })
    }
  })

/** Creates the accessory's `directories:` on its hosts. */
export const createAccessoryDirectories = (name: string): DeployTask =>
  onAccessoryHosts(`Create directories of accessory ${name}`, name, async (ctx, host, accessory) => {
    const command = accessoryCmd.directories(ctx.config, accessory, { home: '.' })
    if (command) await ctx.remote(host).run(command, { signal: ctx.signal })
  })
