import type { Flags } from '../context.ts'
import { loadConfig } from '../config/load.ts'
import { configSummary, configSummaryYaml } from '../config/show.ts'
import { resolveVersion } from '../build/version.ts'
import { localExecutor } from '../exec/local.ts'

/** What `slipway config` reads: where, with which env and flags, and whether it prints JSON. */
export interface ShowConfigOptions {
  readonly cwd: string
  readonly env: Readonly<Record<string, string | undefined>>
  readonly flags: Flags
  readonly json: boolean
  /** Where warnings about the file go (keys Kamal ignores, and the like): stderr, never the printed config. */
  readonly warn: (message: string) => void
}

/** The resolved config as `kamal config` prints it (YAML, or JSON with --json), secrets redacted. */
export async function showConfig({ cwd, env, flags, json, warn }: ShowConfigOptions): Promise<string> {
  const config = await loadConfig({ cwd, file: flags.configFile, destination: flags.destination, env, warn })
  const { version } = await resolveVersion({
    cwd: config.root,
    flag: flags.version,
    env,
    config,
    local: localExecutor({ cwd: config.root }),
  })
  return json
    ? `${JSON.stringify(configSummary(config, { version }), null, 2)}\n`
    : configSummaryYaml(config, { version })
}
