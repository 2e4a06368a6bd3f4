import type { Env } from '../config/types.ts'
import { cmd, script, type Command } from '../shell/command.ts'

// The secrets env file of a role (or accessory) on one host, in docker's --env-file format,
// escaped exactly as Kamal's lib/kamal/env_file.rb. Docker reads env-file values literally, so
// Kamal's escaping is what ends up in the container (a newline arrives as the two characters \n);
// slipway keeps that so configs behave as they did under Kamal.

/** One `KEY=value` line per secret (clear values travel as `--env` flags); `"\n"` when there are none, as Kamal. */
export function envFileContent(env: Env): string {
  const lines = Object.entries(env.secret).map(([key, secret]) => `${key}=${escapeValue(secret.value)}\n`)
  return lines.join('') || '\n'
}

/** Kamal's escape: ASCII runs go through Ruby's String#dump minus the quotes, with `\"` and `\#` unescaped; non-ASCII is kept. */
export function escapeValue(value: string): string {
  return value.replace(/[\x00-\x7f]+/g, (run) => dump(run).replaceAll('\\"', '"').replaceAll('\\#', '#'))
}

const NAMED: Readonly<Record<string, string>> = {
  '"': '\\"',
  '\\': '\\\\',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
  '\f': '\\f',
  '\v': '\\v',
  '\b': '\\b',
  '\x07': '\\a',
  '\x1b': '\\e',
}

// Ruby's String#dump for ASCII text, without the surrounding quotes: named escapes, \xNN
// (upper-case hex) for other control characters and DEL, and `#` escaped before `{`, `$`, `@`.
function dump(text: string): string {
  let out = ''
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!
    const code = c.charCodeAt(0)
    if (NAMED[c] !== undefined) out += NAMED[c]
    else if (code < 0x20 || code === 0x7f) out += `\\x${code.toString(16).toUpperCase().padStart(2, '0')}`
    else if (c === '#' && '{$@'.includes(text[i + 1] ?? '')) out += '\\#'
    else out += c
  }
  return out
}

/**
 * Writes stdin to `path` with mode 600, creating its directory; the secrets never touch argv.
 * Run it with `{ stdin: envFileContent(env) }`.
 */
export const writeEnvFile = (path: string): Command =>
  script('umask 077 && mkdir -p "$(dirname "$1")" && cat > "$1" && chmod 600 "$1"', path)

/** `rm -f <path>` (Kamal's `env delete`). */
export const removeEnvFile = (path: string): Command => cmd('rm', '-f', path)
