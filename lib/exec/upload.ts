import { script, type Command } from '../shell/command.ts'
import type { Executor, Result, RunOptions } from './executor.ts'

/**
 * Writes stdin to `path` (parent dirs created, umask 077 so it is never readable by others in between),
 * then sets `mode`. Path and mode are positional parameters; the content never appears in argv.
 */
export const writeFileCommand = (path: string, mode: string): Command =>
  script('umask 077 && mkdir -p "$(dirname "$1")" && cat > "$1" && chmod "$2" "$1"', path, mode)

/** Uploads `content` through stdin, e.g. an env file with secrets. `mode` is chmod's octal text. @default '600' */
export function writeFile(
  executor: Executor,
  path: string,
  content: string,
  { mode = '600', signal }: { mode?: string; signal?: AbortSignal | undefined } = {},
): Promise<Result> {
  const options: RunOptions = { stdin: content, signal }
  return executor.run(writeFileCommand(path, mode), options)
}
