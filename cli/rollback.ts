import { defineCommand, type Invocation } from '../lib/cli/command.ts'
import { DeployError } from '../lib/errors.ts'
import { rollbackSteps } from '../tasks/steps/rollback.ts'

/** `slipway rollback VERSION`: boot the containers of an earlier version again (Kamal's rollback). */
export const rollback = defineCommand({
  name: 'rollback',
  args: ['[VERSION]'],
  help: ['  VERSION                  the version to go back to (`slipway app containers` lists them)'],
  version: rollbackVersion,
  recipe: rollbackSteps,
})

/** The version to roll back to: the positional VERSION or `--version` (the same if both); required. */
export function rollbackVersion({ args: [positional], flags }: Invocation): string {
  if (positional !== undefined && flags.version !== undefined && positional !== flags.version) {
    throw new DeployError(`rollback to ${positional} or to --version ${flags.version}? Give one`)
  }
  const version = positional ?? flags.version
  if (!version) throw new DeployError('rollback needs the VERSION to go back to (`slipway app containers` lists them)')
  return version
}
