import { defineCommand } from '../lib/cli/command.ts'
import { loginLocally, loginRemotely, logoutLocally, logoutRemotely } from '../tasks/steps/registry.ts'
import { checkSecrets } from '../tasks/steps/secrets.ts'

const OPTIONS = {
  'skip-local': { type: 'boolean', short: 'L' },
  'skip-remote': { type: 'boolean', short: 'R' },
} as const

/** `slipway registry login|logout [-L] [-R]`: this machine's docker and the servers' (Kamal's `registry`). */
export const registry = defineCommand({
  name: 'registry',
  options: OPTIONS,
  help: ['  -L, --skip-local         not on this machine', '  -R, --skip-remote        not on the servers'],
  subcommands: {
    login: ({ options }) => [
      checkSecrets('registry'),
      ...(options['skip-local'] ? [] : [loginLocally()]),
      ...(options['skip-remote'] ? [] : [loginRemotely()]),
    ],
    logout: ({ options }) => [
      ...(options['skip-local'] ? [] : [logoutLocally()]),
      ...(options['skip-remote'] ? [] : [logoutRemotely()]),
    ],
  },
})
