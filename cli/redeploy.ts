import { defineCommand } from '../lib/cli/command.ts'
import { redeploySteps } from '../tasks/steps/recipes.ts'

/** `slipway redeploy`: deploy an image already in the registry, without building. */
export const redeploy = defineCommand({ name: 'redeploy', recipe: redeploySteps })
