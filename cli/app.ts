import { defineCommand } from '../lib/cli/command.ts'
import { EXEC_HELP, EXEC_OPTIONS, execSelection } from '../lib/cli/exec-flags.ts'
import { LOG_HELP, LOG_OPTIONS, logSelection } from '../lib/cli/log-flags.ts'
import {
  appContainers,
  appDetails,
  appImages,
  appLogs,
  followAppLogs,
  appVersion,
  removeApp,
  staleContainers,
  startApp,
  stopApp,
} from '../tasks/steps/app-commands.ts'
import { tagLatest } from '../tasks/steps/app.ts'
import { bootApp } from '../tasks/steps/boot.ts'
import { appExec } from '../tasks/steps/exec.ts'
import { withLock } from '../tasks/steps/lock.ts'
import { checkSecrets } from '../tasks/steps/secrets.ts'

/**
 * `slipway app SUBCOMMAND`: Kamal's `app boot|start|stop|details|exec|containers|images|logs|version|
 * stale_containers|remove`. What changes a host holds the deploy lock, as Kamal's `mutating`.
 */
export const app = defineCommand({
  name: 'app',
  options: { ...LOG_OPTIONS, ...EXEC_OPTIONS, stop: { type: 'boolean' } },
  subcommandArgs: { exec: ['CMD...'] },
  help: [...EXEC_HELP, ...LOG_HELP, '      --stop               stale_containers: also stop them'],
  interactive: ({ subcommand, options }) => subcommand === 'exec' && options.interactive,
  subcommands: {
    boot: () => [checkSecrets('registry', 'app'), withLock([bootApp(), tagLatest()])],
    start: () => [withLock([startApp()])],
    stop: () => [withLock([stopApp()])],
    details: () => [appDetails()],
    exec: ({ options, args }) => [appExec(execSelection(options, args))],
    containers: () => [appContainers()],
    images: () => [appImages()],
    logs: ({ options }) => [options.follow ? followAppLogs(logSelection(options)) : appLogs(logSelection(options))],
    version: () => [appVersion()],
    stale_containers: ({ options: { stop } }) => (stop ? [withLock([staleContainers({ stop })])] : [staleContainers()]),
    remove: () => [withLock([removeApp()])],
  },
})
