import type { Flags } from '../context.ts'
import { DeployError } from '../errors.ts'
import type { EntryOptions } from '../main.ts'
import type { LogsParams } from '../commands/traefik.ts'

/** The subcommands of `tasks/proxy.ts` and `tasks/traefik.ts`. */
export const PROXY_SUBCOMMANDS = ['boot', 'reboot', 'start', 'stop', 'restart', 'details', 'logs', 'remove'] as const

/** One of {@link PROXY_SUBCOMMANDS}. */
export type ProxySubcommand = (typeof PROXY_SUBCOMMANDS)[number]

/** Entry options of `tasks/proxy.ts` (either proxy kind) and `tasks/traefik.ts` (traefik only, Kamal 1.x's name). */
export const proxyEntry = (command: 'proxy' | 'traefik'): EntryOptions => ({
  command,
  usage: `tasks/${command}.ts boot|reboot [--rolling]|start|stop|restart|details|logs [-n N] [-s SINCE] [-g GREP] [-f]|remove [flags]`,
  subcommands: PROXY_SUBCOMMANDS,
  // prettier-ignore
  options: {
    rolling:        { type: 'boolean' },
    lines:          { type: 'string', short: 'n' },
    since:          { type: 'string', short: 's' },
    grep:           { type: 'string', short: 'g' },
    'grep-options': { type: 'string' },
    follow:         { type: 'boolean', short: 'f' },
  },
  help: [
    '      --rolling            reboot: one proxy host at a time (hooks around each)',
    '  -n, --lines N            logs: the last N lines',
    '  -s, --since TIME         logs: since a timestamp or a duration (e.g. 10m)',
    '  -g, --grep PATTERN       logs: only lines matching PATTERN',
    '      --grep-options OPTS  logs: extra grep options, e.g. --grep-options=-i',
    '  -f, --follow             logs: keep streaming (Ctrl-C to stop)',
  ],
})

/** The subcommand and its options, checked: an unknown subcommand or a non-numeric `-n` is a DeployError. */
export function parseProxyFlags(flags: Flags): { subcommand: ProxySubcommand; rolling: boolean; logs: LogsParams } {
  const sub = flags.args[0]
  if (!PROXY_SUBCOMMANDS.includes(sub as ProxySubcommand)) {
    throw new DeployError(
      `${sub === undefined ? 'missing subcommand' : `unknown subcommand ${sub}`}: use one of ${PROXY_SUBCOMMANDS.join(', ')} (see --help)`,
    )
  }
  const str = (key: string): string | undefined =>
    typeof flags.extra[key] === 'string' ? (flags.extra[key] as string) : undefined
  const lines = str('lines')
  if (lines !== undefined && !/^\d+$/.test(lines)) throw new DeployError(`--lines must be a whole number, got ${lines}`)
  return {
    subcommand: sub as ProxySubcommand,
    rolling: flags.extra['rolling'] === true,
    logs: {
      lines: lines === undefined ? undefined : Number(lines),
      since: str('since'),
      grep: str('grep'),
      grepOptions: str('grep-options'),
      follow: flags.extra['follow'] === true,
    },
  }
}
