import type { Config, Env, Logging, Role } from '../config/types.ts'
import { and, each, type Command } from '../shell/command.ts'

// docker run argument helpers shared by app and accessory builders (Kamal's Utils.optionize /
// argumentize and Role#*_args). They return argv pieces; render() does all quoting.

/** Docker `options:` as written in deploy.yml. */
export type DockerOptions = Readonly<Record<string, string | number | boolean | readonly (string | number)[]>>

/** `{ cpus: 2, init: true, 'add-host': [a, b] }` → `--cpus 2 --init --add-host a --add-host b`; false and '' are dropped. */
export function optionize(options: DockerOptions): string[] {
  return Object.entries(options).flatMap(([key, value]): string[] => {
    if (value === true) return [`--${key}`]
    if (value === false || value === '') return []
    const values = Array.isArray(value) ? value : [value]
    return values.flatMap((v) => [`--${key}`, String(v)])
  })
}

/** Labels in order; `undefined` emits a bare `--label key` (Kamal's `--label destination` without a destination). */
export function labelArgs(labels: Readonly<Record<string, string | undefined>>): string[] {
  return Object.entries(labels).flatMap(([key, value]) => ['--label', value === undefined ? key : `${key}=${value}`])
}

/** `--env-file <path>` when the env has secrets (they live only in that file), then `--env K=v` per clear value. */
export function envArgs(env: Env, envFile: string): string[] {
  const hasSecrets = Object.keys(env.secret).length > 0
  return [...(hasSecrets ? ['--env-file', envFile] : []), ...each('--env', pairs(env.clear)).map(String)]
}

/** `--log-driver d --log-opt k=v …` (the config already applies Kamal's `max-size=10m` default). */
export const loggingArgs = (logging: Logging): string[] => [
  ...(logging.driver === undefined ? [] : ['--log-driver', logging.driver]),
  ...each('--log-opt', pairs(logging.options)).map(String),
]

/** `K=v` strings of a map, in order. */
const pairs = (map: Readonly<Record<string, string>>): string[] => Object.entries(map).map(([k, v]) => `${k}=${v}`)

/** `--filter label=service=S [--filter label=destination=D] [--filter label=role=R] [--filter status=…]` */
export function filterArgs(
  config: Config,
  { role, statuses = [] }: { role?: Role | undefined; statuses?: readonly string[] } = {},
): string[] {
  return each('--filter', [
    `label=service=${config.service}`,
    ...(config.destination ? [`label=destination=${config.destination}`] : []),
    ...(role ? [`label=role=${role.name}`] : []),
    ...statuses.map((s) => `status=${s}`),
  ]).map(String)
}

/**
 * Splits a `cmd:` string into argv words the way sh would split a simple command, without
 * running any expansion: whitespace separates words, '…' is literal, "…" honours \" \\ \$ \`,
 * and a backslash outside quotes escapes the next character. Kamal appends cmd to the shell
 * line instead; slipway never hands config text to a shell, so `$VAR`, `&&` or `|` stay literal
 * (write `sh -c "…"` in cmd to get a shell).
 */
export function splitWords(text: string): string[] {
  const words: string[] = []
  let word = ''
  let inWord = false
  let quote: "'" | '"' | undefined
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!
    if (quote === "'") {
      if (c === "'") quote = undefined
      else word += c
    } else if (quote === '"') {
      if (c === '"') quote = undefined
      else if (c === '\\' && i + 1 < text.length && '"\\$`'.includes(text[i + 1]!)) word += text[++i]
      else word += c
    } else if (/\s/.test(c)) {
      if (inWord) words.push(word)
      word = ''
      inWord = false
    } else {
      inWord = true
      if (c === "'" || c === '"') quote = c
      else if (c === '\\' && i + 1 < text.length) word += text[++i]
      else word += c
    }
  }
  if (quote) throw new Error(`unterminated ${quote} in cmd: ${text}`)
  if (inWord) words.push(word)
  return words
}

/** The argv of a role or accessory `cmd:` ([] when unset). */
export const cmdWords = (text: string | undefined): string[] => (text === undefined ? [] : splitWords(text))

/** `a && b && c` with nested `&&` lists spliced in, so renders stay flat (no `{ …; }` groups). */
export const andAll = (...commands: Command[]): Command =>
  and(...commands.flatMap((c) => (c.kind === 'and' ? c.commands : [c])))
