import { defineCommand } from '../lib/cli/command.ts'
import type { Flags } from '../lib/context.ts'
import { envify as render } from '../lib/config/envify.ts'
import { DeployError } from '../lib/errors.ts'
import { run } from '../lib/main.ts'
import { env } from './env.ts'

/**
 * `slipway envify`: renders `.env.erb` (`.env.DEST.erb` with -d) into `.env` (`.env.DEST`), mode
 * 600, then runs `env push` with the same flags unless -P. The push is its own run: it must load
 * the secrets just written.
 */
export const envify = defineCommand({
  name: 'envify',
  help: ['  -P, --skip-push          only write the file, do not run `env push`'],
  run: async ({ flags }, io) => {
    const written = render({ cwd: io.cwd, destination: flags.destination, env: io.env })
    io.write(`Created ${written} (mode 600)`)
    if (flags.skipPush) return
    const code = await run(env, { argv: ['push', ...sharedArgv(flags)], cwd: io.cwd, env: { ...io.env } })
    if (code !== 0) throw new DeployError(`${written} was written, but env push failed (exit ${code})`)
  },
})

/** The shared flags as argv again, for the run that follows. */
function sharedArgv(flags: Flags): string[] {
  const value = (flag: string, v: string | undefined): string[] => (v === undefined ? [] : [flag, v])
  const list = (flag: string, v: readonly string[] | undefined): string[] => (v?.length ? [flag, v.join(',')] : [])
  return [
    ...value('--config-file', flags.configFile),
    ...value('--destination', flags.destination),
    ...value('--version', flags.version),
    ...list('--hosts', flags.hosts),
    ...list('--roles', flags.roles),
    ...(flags.primary ? ['--primary'] : []),
    ...(flags.skipHooks ? ['--skip-hooks'] : []),
    ...(flags.verbose ? ['--verbose'] : []),
    ...(flags.quiet ? ['--quiet'] : []),
    ...(flags.dryRun ? ['--dry-run'] : []),
  ]
}
