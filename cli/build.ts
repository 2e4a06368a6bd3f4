import { defineCommand } from '../lib/cli/command.ts'
import { pullImage } from '../tasks/steps/app.ts'
import { builderDetails, createBuilder, removeBuilder } from '../tasks/steps/build-commands.ts'
import { withLock } from '../tasks/steps/lock.ts'
import { pushSteps } from '../tasks/steps/recipes.ts'
import { checkSecrets } from '../tasks/steps/secrets.ts'

/**
 * `slipway build push|pull|deliver|create|remove|details`: Kamal's `build`. push builds and pushes
 * this version; pull fetches it on every server (under the lock); deliver is push then pull.
 */
export const build = defineCommand({
  name: 'build',
  subcommands: {
    push: () => [checkSecrets('registry'), ...pushSteps()],
    pull: () => [checkSecrets('registry'), withLock([pullImage()])],
    deliver: () => [checkSecrets('registry'), ...pushSteps(), withLock([pullImage()])],
    create: () => [createBuilder()],
    remove: () => [removeBuilder()],
    details: () => [builderDetails()],
  },
})
