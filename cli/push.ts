import { defineCommand } from '../lib/cli/command.ts'
import { pushSteps } from '../tasks/steps/recipes.ts'

/** `slipway push`: build the image from a clean clone and push it, touching no server. */
export const push = defineCommand({ name: 'push', recipe: pushSteps })
