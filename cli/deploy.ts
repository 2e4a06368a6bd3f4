import { defineCommand } from '../lib/cli/command.ts'
import { deploySteps } from '../tasks/steps/recipes.ts'

/** `slipway deploy`: build, push, then boot the new version on every server with zero downtime. */
export const deploy = defineCommand({ name: 'deploy', recipe: deploySteps })
