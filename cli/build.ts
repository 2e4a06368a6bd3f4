import { defineCommand } from '../lib/cli/command.ts'
import { builderDetails, createBuilder, removeBuilder } from '../tasks/steps/build-commands.ts'

/** `slipway build create|remove|details`: Kamal's `build` subcommands for the builder (buildx, or a remote engine). */
export const build = defineCommand({
  name: 'build',
  subcommands: {
    create: () => [createBuilder()],
    remove: () => [removeBuilder()],
    details: () => [builderDetails()],
  },
})
