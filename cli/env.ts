import { defineCommand } from '../lib/cli/command.ts'
import { deleteEnv, pushEnv } from '../tasks/steps/env.ts'
import { withLock } from '../tasks/steps/lock.ts'
import { checkSecrets } from '../tasks/steps/secrets.ts'

/** `slipway env push|delete`: the secret env files of roles, proxy and accessories on their hosts (Kamal's `env`). */
export const env = defineCommand({
  name: 'env',
  subcommands: {
    push: () => [checkSecrets('app', 'proxy', 'accessory:all'), withLock([pushEnv()])],
    delete: () => [withLock([deleteEnv()])],
  },
})
