import type { ExtraFlags } from './flags.ts'

// The `logs` flags of the app and accessory entry scripts (Kamal's -s/-n/-g/-o), defined once.

/** `-s/--since`, `-n/--lines`, `-g/--grep`, `-o/--grep-options`, in node:util parseArgs form. */
// prettier-ignore
export const LOG_OPTIONS = {
  since:          { type: 'string', short: 's' },
  lines:          { type: 'string', short: 'n' },
  grep:           { type: 'string', short: 'g' },
  'grep-options': { type: 'string', short: 'o' },
} as const satisfies NonNullable<ExtraFlags['options']>

/** Their help lines. */
export const LOG_HELP: readonly string[] = [
  '  -s, --since TIME         logs: since a timestamp or a duration (e.g. 10m)',
  '  -n, --lines N            logs: the last N lines (default 100 without --since/--grep)',
  '  -g, --grep PATTERN       logs: only lines matching PATTERN',
  '  -o, --grep-options OPTS  logs: extra grep options, e.g. -o=-i',
]
