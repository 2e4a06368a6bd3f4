import { DeployError } from '../errors.ts'
import { splitWords } from '../commands/args.ts'
import type { OptionSpecs, OptionValues } from './command.ts'

// The flags of `app exec`, `accessory exec` and `server exec` (Kamal's -i, --reuse, -e), defined once.

// prettier-ignore
export const EXEC_OPTIONS = {
  interactive: { type: 'boolean', short: 'i' },
  reuse:       { type: 'boolean' },
  env:         { type: 'string', short: 'e', multiple: true },
} as const satisfies OptionSpecs

export const EXEC_HELP: readonly string[] = [
  '  -i, --interactive        exec: a terminal on the primary host (or the one selected host)',
  '      --reuse              exec: in the running container (docker exec), not a new one',
  '  -e, --env K=V            exec: extra env for the command (repeatable)',
]

/** What the exec tasks take. */
export interface ExecSelection {
  /** The command's words: one CMD is split as sh splits words (nothing expanded); after `--`, each word as given. */
  readonly command: readonly string[]
  /** The command as typed, for the audit log: the one CMD, or the words after `--` joined by spaces. */
  readonly typed: string
  readonly interactive: boolean
  readonly reuse: boolean
  readonly env: Readonly<Record<string, string>>
}

/** The exec flags' values and the command words, checked. */
export function execSelection(options: OptionValues<typeof EXEC_OPTIONS>, words: readonly string[]): ExecSelection {
  const command = words.length === 1 ? splitWords(words[0]!) : [...words]
  if (command.length === 0) throw new DeployError('exec needs a command: slipway app exec CMD')
  const env: Record<string, string> = {}
  for (const pair of options.env) {
    const at = pair.indexOf('=')
    if (at <= 0) throw new DeployError(`-e/--env takes KEY=VALUE, got ${pair}`)
    env[pair.slice(0, at)] = pair.slice(at + 1)
  }
  return { command, typed: words.join(' '), interactive: options.interactive, reuse: options.reuse, env }
}
