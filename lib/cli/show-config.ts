import { stringify } from 'yaml'
import { DeployError } from '../errors.ts'
import { loadConfig } from '../config/load.ts'
import { configSummary } from '../config/show.ts'
import { resolveVersion } from '../build/version.ts'
import { localExecutor } from '../exec/local.ts'
import { parseFlags, SHARED_HELP } from './flags.ts'

/** `tasks/config.ts [-c FILE] [-d DEST] [--json]`: prints the resolved config like `kamal config`, secrets redacted. Returns the exit code. */
export async function showConfig(
  argv: readonly string[] = process.argv.slice(2),
  {
    cwd = process.cwd(),
    env = process.env,
    out = (s: string): void => void process.stdout.write(s),
    err = (s: string): void => void process.stderr.write(s),
  }: {
    cwd?: string
    env?: Readonly<Record<string, string | undefined>>
    out?: (s: string) => void
    err?: (s: string) => void
  } = {},
): Promise<number> {
  try {
    const flags = parseFlags(argv, { options: { json: { type: 'boolean', default: false } } })
    if (flags.help) {
      err(
        [
          'usage: npx tsx tasks/config.ts [--json] [flags]',
          '',
          '      --json               print JSON instead of YAML',
          ...SHARED_HELP,
        ].join('\n') + '\n',
      )
      return 0
    }
    const config = await loadConfig({
      cwd,
      file: flags.configFile,
      destination: flags.destination,
      env,
      warn: (message) => err(`warning: ${message}\n`),
    })
    const version = await resolveVersion({
      cwd: config.root,
      flag: flags.version,
      env,
      config,
      local: localExecutor({ cwd: config.root }),
    })
    const summary = configSummary(config, { version })
    out(flags.extra['json'] ? `${JSON.stringify(summary, null, 2)}\n` : stringify(JSON.parse(JSON.stringify(summary))))
    return 0
  } catch (error) {
    err(error instanceof DeployError ? `error: ${error.message}\n` : `${(error as Error).stack ?? String(error)}\n`)
    return 1
  }
}
