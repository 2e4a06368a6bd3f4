import { defineCommand } from '../lib/cli/command.ts'
import { withLock } from '../tasks/steps/lock.ts'
import { removeSteps } from '../tasks/steps/remove.ts'

/** `slipway remove [-y]`: everything of the service off its servers (Kamal's `remove`), under the lock. */
export const remove = defineCommand({
  name: 'remove',
  confirm: () =>
    'This removes the proxy, every container, image and env file of the service, and its accessories. Sure?',
  recipe: () => [withLock(removeSteps())],
})
