import { defineCommand, type Invocation } from '../lib/cli/command.ts'
import { LOG_OPTIONS, logSelection } from '../lib/cli/log-flags.ts'
import type { DeployTask } from '../lib/context.ts'
import { DeployError } from '../lib/errors.ts'
import { proxyDriver } from '../lib/proxy/index.ts'
import { withLock } from '../tasks/steps/lock.ts'
import { checkSecrets } from '../tasks/steps/secrets.ts'
import {
  bootProxy,
  proxyDetails,
  proxyLogs,
  rebootProxy,
  removeProxy,
  restartProxy,
  startProxy,
  stopProxy,
} from '../tasks/steps/proxy.ts'

const OPTIONS = { ...LOG_OPTIONS, rolling: { type: 'boolean' } } as const

/**
 * `slipway proxy SUBCOMMAND` for whichever proxy `proxy.kind` selects (Kamal 2's word), and
 * `slipway traefik SUBCOMMAND` (Kamal 1.x's), which refuses any other kind. The changing
 * subcommands hold the deploy lock, as Kamal's `mutating`.
 */
function proxyCommand(name: 'proxy' | 'traefik') {
  const steps = (i: Invocation, ...rest: DeployTask[]): DeployTask[] => [kindManagedBy(name, i.subcommand), ...rest]
  return defineCommand({
    name,
    options: OPTIONS,
    help: [
      '      --rolling            reboot: one proxy host at a time (hooks around each)',
      '  -n, --lines N            logs: the last N lines',
      '  -s, --since TIME         logs: since a timestamp or a duration (e.g. 10m)',
      '  -g, --grep PATTERN       logs: only lines matching PATTERN',
      '  -o, --grep-options OPTS  logs: extra grep options, e.g. --grep-options=-i',
      '  -f, --follow             logs: stream every proxy host until Ctrl-C, lines prefixed with host',
    ],
    subcommands: {
      boot: (i) => steps(i, checkSecrets('registry', 'proxy'), withLock([bootProxy()])),
      reboot: (i) =>
        steps(i, checkSecrets('registry', 'proxy'), withLock([rebootProxy({ rolling: i.options.rolling })])),
      start: (i) => steps(i, withLock([startProxy()])),
      stop: (i) => steps(i, withLock([stopProxy()])),
      restart: (i) => steps(i, withLock([restartProxy()])),
      details: (i) => steps(i, proxyDetails()),
      logs: (i) => steps(i, proxyLogs(logSelection(i.options))),
      remove: (i) => steps(i, withLock([removeProxy()])),
    },
  })
}

export const proxy = proxyCommand('proxy')
export const traefik = proxyCommand('traefik')

// `traefik …` refuses another proxy kind before touching a host; the driver says which words manage its kind.
const kindManagedBy = (name: 'proxy' | 'traefik', subcommand: string | undefined): DeployTask => ({
  title: 'Check proxy kind',
  enabled: () => name !== 'proxy',
  task: (ctx) => {
    const driver = proxyDriver(ctx.config)
    if (!driver.entries.includes(name))
      throw new DeployError(`proxy.kind is ${driver.kind}: use \`slipway proxy ${subcommand}\``)
  },
})
