import type { RecipeCommand, OptionSpecs } from '../../lib/cli/command.ts'
import { stepsFor } from '../../lib/cli/command.ts'
import { parseInvocation } from '../../lib/cli/flags.ts'
import type { DeployTask, Flags } from '../../lib/context.ts'

/** What a command line makes of a command, through the real parser: its shared flags and its steps. */
export function invoke<O extends OptionSpecs>(
  command: RecipeCommand<O>,
  argv: readonly string[],
): { flags: Flags; steps: DeployTask[] } {
  const parsed = parseInvocation(argv, command)
  if (parsed.help) throw new Error('--help has no steps')
  return { flags: parsed.flags, steps: stepsFor(command, parsed) }
}
