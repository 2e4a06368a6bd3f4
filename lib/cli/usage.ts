import type { CliCommand } from './command.ts'
import { SHARED_HELP } from './flags.ts'

/**
 * `--help` of a command, derived from its declaration: `program` is how it was started
 * (`slipway app`, `npx tsx tasks/app.ts`), then its subcommands, positional arguments and flags.
 */
export function usage(command: CliCommand, program: string): string {
  const words = [
    program,
    command.subcommands && Object.keys(command.subcommands).join('|'),
    ...(command.args ?? []),
    '[flags]',
  ]
  const own = Object.entries(command.subcommandArgs ?? {}).map(([sub, names]) => `       ${sub} ${names.join(' ')}`)
  return [
    `usage: ${words.filter(Boolean).join(' ')}`,
    ...own,
    '',
    'flags:',
    ...(command.help ?? []),
    ...(command.sharedFlags === false ? [] : SHARED_HELP),
    '      --help               this help',
  ].join('\n')
}
