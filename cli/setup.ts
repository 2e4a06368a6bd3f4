import { defineCommand } from '../lib/cli/command.ts'
import { setupSteps } from '../tasks/steps/recipes.ts'

/** `slipway setup`: install Docker on fresh servers, run the docker-setup hook, then deploy. */
export const setup = defineCommand({ name: 'setup', recipe: setupSteps })
