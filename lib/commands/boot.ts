import type { Config, Role } from '../config/types.ts'
import type { Command } from '../shell/command.ts'
import { filterArgs } from './args.ts'
import { containerName, containerPrefix, envFilePath, latestImage, replacedName } from './naming.ts'
import { program } from './program.ts'

/** What `bootPrepare` needs besides config and role. */
export interface PrepareParams {
  readonly version: string
  /** 16 hex chosen by the caller: a same-version container becomes `<prefix>-<version>_replaced_<hex>`. */
  readonly renameSuffix: string
  /** A cord dir to tie now (relative to home or absolute), if the caller ties it here rather than in `app.run`. */
  readonly cordDir?: string | undefined
}

const PREPARE = program<'run' | 'envfile' | 'name' | 'renamed' | 'ref' | 'prefix' | 'cord'>('boot-prepare.sh')

/**
 * Everything a host needs before `docker run`, in ONE round trip (sh/boot-prepare.sh): run dir, the
 * role's env file from stdin (mode 600), an optional cord, a same-version container renamed out of
 * the way, the current container and the role's running ones. Run it with `{ stdin: envFileContent(env) }`; read its answer
 * with `parsePrepare`.
 */
export function bootPrepare(config: Config, role: Role, { version, renameSuffix, cordDir }: PrepareParams): Command {
  return PREPARE(
    {
      run: config.runDirectory,
      envfile: envFilePath(config, role),
      name: containerName(config, role, version),
      renamed: replacedName(config, role, version, renameSuffix),
      ref: latestImage(config),
      prefix: containerPrefix(config, role),
      cord: cordDir,
    },
    filterArgs(config, { role }),
  )
}

/** `bootPrepare`'s output, parsed. */
export interface Prepared {
  readonly home: string
  /** The name a same-version container was renamed to, if there was one. */
  readonly renamed: string | undefined
  /** The current container's name (possibly the renamed one), if any. */
  readonly current: string | undefined
  readonly currentVersion: string | undefined
  /** Every running (or restarting) container of the role before the boot, newest first: what the boot stops once the new one serves. */
  readonly running: readonly string[]
}

/** Parses `bootPrepare`'s stdout; throws when `home=` is missing (the script did not run to the end). */
export function parsePrepare(stdout: string): Prepared {
  const values = new Map<string, string>()
  const running: string[] = []
  for (const line of stdout.split('\n')) {
    const eq = line.indexOf('=')
    if (eq <= 0) continue
    const [key, value] = [line.slice(0, eq), line.slice(eq + 1).replace(/\r$/, '')]
    if (key === 'running') running.push(value)
    else values.set(key, value)
  }
  const home = values.get('home')
  if (home === undefined || !values.has('current'))
    throw new Error(`unexpected boot prepare output: ${JSON.stringify(stdout.slice(0, 200))}`)
  const orUndefined = (v: string | undefined): string | undefined => (v ? v : undefined)
  return {
    home,
    renamed: orUndefined(values.get('renamed')),
    current: orUndefined(values.get('current')),
    currentVersion: orUndefined(values.get('current_version')),
    running,
  }
}
