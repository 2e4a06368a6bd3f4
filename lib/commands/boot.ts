import type { Config, Role } from '../config/types.ts'
import { script, type Command } from '../shell/command.ts'
import { filterArgs } from './args.ts'
import { containerName, containerPrefix, envFilePath, latestImage, replacedName } from './naming.ts'
import { currentSnippet } from './versions.ts'

/** What `bootPrepare` needs besides config and role. */
export interface PrepareParams {
  readonly version: string
  /** 16 hex chosen by the caller: a same-version container becomes `<prefix>-<version>_replaced_<hex>`. */
  readonly renameSuffix: string
  /** A cord dir to tie now (relative to home or absolute), if the caller ties it here rather than in `app.run`. */
  readonly cordDir?: string | undefined
}

/**
 * Everything a host needs before `docker run`, in ONE round trip (Kamal's Boot#run up to
 * start_new_version, plus `env push`): create the run directory, write the role's env file from
 * stdin (mode 600), optionally tie a cord, rename a container that already has this version's
 * name (redeploy/rollback), then find the role's current container. Run it with
 * `{ stdin: envFileContent(env) }`.
 *
 * Output protocol, one `key=value` line each, in this order (parse with `parsePrepare`):
 * - `home=<pwd>`: the ssh user's home, to make absolute host paths for `--volume`;
 * - `renamed=<name>`: only when a same-version container was renamed to this name;
 * - `current=<container name>`: the current container after the rename (empty when none);
 * - `current_version=<version>`: its version (empty when none).
 */
export function bootPrepare(config: Config, role: Role, { version, renameSuffix, cordDir }: PrepareParams): Command {
  const name = containerName(config, role, version)
  return script(
    'run=$1 envfile=$2 name=$3 renamed=$4 ref=$5 p=$6 cord=$7; shift 7; ' +
      'mkdir -p "$run" || exit 1; ' +
      '(umask 077 && mkdir -p "$(dirname "$envfile")" && cat > "$envfile" && chmod 600 "$envfile") || exit 1; ' +
      'if [ -n "$cord" ]; then { mkdir -p "$cord" && touch "$cord/cord"; } || exit 1; fi; ' +
      'printf "home=%s\\n" "$(pwd)"; ' +
      'ids=$(docker container ls --all --filter "name=^$name\\$" --quiet) || exit 1; ' +
      'if [ -n "$ids" ]; then docker rename "$name" "$renamed" >/dev/null || exit 1; printf "renamed=%s\\n" "$renamed"; fi; ' +
      `cur=$(${currentSnippet('--format "{{.Names}}"')}); ` +
      'printf "current=%s\\n" "$cur"; if [ -n "$cur" ]; then printf "current_version=%s\\n" "${cur#"$p-"}"; else echo current_version=; fi',
    config.runDirectory,
    envFilePath(config, role),
    name,
    replacedName(config, role, version, renameSuffix),
    latestImage(config),
    containerPrefix(config, role),
    cordDir ?? '',
    ...filterArgs(config, { role }),
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
}

/** Parses `bootPrepare`'s stdout; throws when `home=` is missing (the script did not run to the end). */
export function parsePrepare(stdout: string): Prepared {
  const values = new Map<string, string>()
  for (const line of stdout.split('\n')) {
    const eq = line.indexOf('=')
    if (eq > 0) values.set(line.slice(0, eq), line.slice(eq + 1).replace(/\r$/, ''))
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
  }
}
