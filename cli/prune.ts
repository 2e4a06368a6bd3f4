import { defineCommand } from '../lib/cli/command.ts'
import { DeployError } from '../lib/errors.ts'
import { withLock } from '../tasks/steps/lock.ts'
import { pruneAll, pruneContainers, pruneImages } from '../tasks/steps/prune.ts'

/** `slipway prune all|containers|images [--retain N]`: Kamal's `prune`, under the deploy lock. */
export const prune = defineCommand({
  name: 'prune',
  options: { retain: { type: 'string' } },
  help: ['      --retain N           stopped containers to keep per role (default: retain_containers)'],
  subcommands: {
    all: ({ options }) => [withLock([pruneAll({ retain: retained(options.retain) })])],
    containers: ({ options }) => [withLock([pruneContainers({ retain: retained(options.retain) })])],
    images: () => [withLock([pruneImages()])],
  },
})

/** --retain as a whole number of at least 1 (Kamal: "retain must be at least 1"). */
function retained(value: string | undefined): number | undefined {
  if (value === undefined) return undefined
  if (!/^\d+$/.test(value) || Number(value) < 1) throw new DeployError(`--retain must be at least 1, got ${value}`)
  return Number(value)
}
