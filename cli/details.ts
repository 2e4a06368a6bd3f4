import { defineCommand } from '../lib/cli/command.ts'
import { accessoryDetails } from '../tasks/steps/accessory-report.ts'
import { appDetails } from '../tasks/steps/app-commands.ts'
import { proxyDetails } from '../tasks/steps/proxy.ts'

/** `slipway details`: the proxy, app and accessory containers on every host (Kamal's `details`). */
export const details = defineCommand({
  name: 'details',
  recipe: () => [proxyDetails(), appDetails(), accessoryDetails('all')],
})
