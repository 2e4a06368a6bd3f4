import type { OptionSpecs, OptionValues } from './command.ts'
import { wholeNumber } from './flags.ts'

// The `logs` flags of the app, accessory and proxy commands (Kamal's -s/-n/-g/-o/-f), defined once.

/** `-s/--since`, `-n/--lines`, `-g/--grep`, `-o/--grep-options`, `-f/--follow`. */
// prettier-ignore
export const LOG_OPTIONS = {
  since:          { type: 'string', short: 's' },
  lines:          { type: 'string', short: 'n' },
  grep:           { type: 'string', short: 'g' },
  'grep-options': { type: 'string', short: 'o' },
  follow:         { type: 'boolean', short: 'f' },
} as const satisfies OptionSpecs

/** Their help lines. */
export const LOG_HELP: readonly string[] = [
  '  -s, --since TIME         logs: since a timestamp or a duration (e.g. 10m)',
  '  -n, --lines N            logs: the last N lines (default 100, 10 with -f; all with --since/--grep)',
  '  -g, --grep PATTERN       logs: only lines matching PATTERN',
  '  -o, --grep-options OPTS  logs: extra grep options, e.g. -o=-i',
  '  -f, --follow             logs: stream every selected host until Ctrl-C, lines prefixed with host',
]

/** What the log tasks take, from the parsed flags; `--lines` must be a whole number. */
export interface LogSelection {
  readonly since: string | undefined
  readonly lines: number | undefined
  readonly grep: string | undefined
  readonly grepOptions: string | undefined
  readonly follow: boolean
}

/** The log flags' values, checked. */
export const logSelection = (options: OptionValues<typeof LOG_OPTIONS>): LogSelection => ({
  since: options.since,
  lines: wholeNumber('--lines', options.lines),
  grep: options.grep,
  grepOptions: options['grep-options'],
  follow: options.follow,
})
