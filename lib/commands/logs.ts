import type { Config, Role } from '../config/types.ts'
import { cmd, pipe, script, type Command } from '../shell/command.ts'
import { filterArgs, splitWords } from './args.ts'
import { latestImage } from './naming.ts'
import { program } from './program.ts'

const CURRENT_LOGS = program<'ref' | 'since' | 'tail' | 'timestamps' | 'follow'>('app-logs.sh')

/** `app logs` / `accessory logs` options (Kamal's -s, -n, -g, -o, -f). */
export interface LogsParams {
  /** A container name; unset → the role's current container (versions.ts). */
  readonly containerName?: string | undefined
  readonly since?: string | undefined
  /** `--tail N` */
  readonly lines?: number | undefined
  /** Filter the output with `grep [grepOptions] -- PATTERN`. */
  readonly grep?: string | undefined
  /** Extra grep options, split into words (`-i -C 2`). */
  readonly grepOptions?: string | undefined
  readonly follow?: boolean | undefined
  readonly timestamps?: boolean | undefined
}

/**
 * `docker logs [--since S] [--tail N] [--timestamps] [--follow] <container> 2>&1 [| grep …]`.
 * Without a container name the role's current container is looked up in the same round trip;
 * the command fails with "no running container" when there is none.
 */
export function logs(config: Config, role: Role, params: LogsParams = {}): Command {
  const { containerName, since, lines, grep, grepOptions, follow = false, timestamps = false } = params
  const flags = [
    ...(since === undefined ? [] : ['--since', since]),
    ...(lines === undefined ? [] : ['--tail', String(lines)]),
    ...(timestamps ? ['--timestamps'] : []),
    ...(follow ? ['--follow'] : []),
  ]
  const read =
    containerName !== undefined
      ? script('docker logs "$@" 2>&1', ...flags, containerName)
      : CURRENT_LOGS({ ref: latestImage(config), since, tail: lines, timestamps, follow }, filterArgs(config, { role }))
  return grep === undefined ? read : pipe(read, grepCommand(grep, grepOptions, follow))
}

/**
 * `grep [--line-buffered] [options] -- PATTERN`. A followed log needs `--line-buffered`: grep writes
 * into a pipe (the ssh channel), where it would otherwise hold lines back until a block is full.
 */
export const grepCommand = (pattern: string, options: string | undefined, follow = false): Command =>
  cmd('grep', follow && '--line-buffered', ...(options === undefined ? [] : splitWords(options)), '--', pattern)
