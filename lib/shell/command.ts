/** A value passed to a program but shown as [REDACTED] in every log line, error and dry-run. */
export class Secret {
  readonly value: string
  constructor(value: string) {
    this.value = value
  }
  toString(): string {
    return '[REDACTED]'
  }
  toJSON(): string {
    return '[REDACTED]'
  }
}

/** One argument: plain text, or a secret that only the executor ever sees in clear. */
export type Arg = string | Secret

/**
 * A command as data: argv leaves joined by shell operators. Only `render()` makes shell text of it.
 * `program` names the file of a `sh -c <text> sh …` leaf (lib/commands/program.ts), which runs it
 * directly in tests; logs, errors and dry runs show `sh <file> <args…>` through {@link nameProgram}.
 */
export type Command =
  | { readonly kind: 'exec'; readonly argv: readonly [string, ...Arg[]]; readonly program?: string }
  | { readonly kind: 'pipe' | 'and' | 'or' | 'seq'; readonly commands: readonly Command[] }
  /** A custom task's tagged template: `text` is shell written by its author; each `values` entry is quoted words. */
  | { readonly kind: 'template'; readonly text: readonly string[]; readonly values: readonly (readonly Arg[])[] }

type MaybeArg = Arg | false | undefined | null

/** `cmd('docker', 'ps', all && '--all')`: false, null and undefined are dropped, '' is kept. */
export function cmd(program: string, ...args: readonly (MaybeArg | readonly MaybeArg[])[]): Command {
  const flat = args.flat().filter((a): a is Arg => a !== false && a !== undefined && a !== null)
  return { kind: 'exec', argv: [program, ...flat] }
}

/** `a | b | c` */
export const pipe = (...commands: Command[]): Command => ({ kind: 'pipe', commands })
/** `a && b && c` */
export const and = (...commands: Command[]): Command => ({ kind: 'and', commands })
/** `a || b || c` */
export const or = (...commands: Command[]): Command => ({ kind: 'or', commands })
/** `a ; b ; c`: every command runs; the exit status is the last one's. */
export const seq = (...commands: Command[]): Command => ({ kind: 'seq', commands })

/**
 * A fixed POSIX sh script that reads its inputs as positional parameters ("$1", "$2", ...), so values
 * are never spliced into shell text: `script('docker stop "$1" >/dev/null', id)`.
 */
export const script = (text: string, ...args: readonly Arg[]): Command => cmd('sh', '-c', text, 'sh', ...args)

/** `opt('--hostname', host)` → `['--hostname', host]`, or `[]` when the value is absent. */
export const opt = (flag: string, value: Arg | number | undefined | null | false): Arg[] =>
  value === undefined || value === null || value === false
    ? []
    : [flag, typeof value === 'number' ? String(value) : value]

/** `each('--env', ['A=1', 'B=2'])` → `['--env', 'A=1', '--env', 'B=2']`. */
export const each = (flag: string, values: readonly Arg[]): Arg[] => values.flatMap((v) => [flag, v])

const SAFE = /^[\w./:=@%+,-]+$/
const OPERATORS = { pipe: ' | ', and: ' && ', or: ' || ', seq: ' ; ' } as const

/** POSIX sh single-quoting. Not bash's $'…' (zx's default quote), which dash rejects. */
export function quote(arg: string): string {
  if (arg === '') return "''"
  if (SAFE.test(arg)) return arg
  return `'${arg.replaceAll("'", `'\\''`)}'`
}

// Program texts by file (lib/commands/program.ts names each it loads), so that a program passed in
// another one's argv (a cutover's stop command) shows as `sh <file> …` too, not as its whole text.
const programFiles = new Map<string, string>()

/** Names a program's text: wherever `sh -c <text> sh …` appears in an argv, logs show `sh <file> …`. */
export function nameProgram(text: string, file: string): void {
  programFiles.set(text, file)
}

// An argv as logs show it: every `sh -c <named text> sh` becomes `sh <file>`.
function shown(args: readonly Arg[]): readonly Arg[] {
  const out: Arg[] = []
  for (let i = 0; i < args.length; i++) {
    const text = args[i + 2]
    const file =
      args[i] === 'sh' && args[i + 1] === '-c' && typeof text === 'string' && args[i + 3] === 'sh'
        ? programFiles.get(text)
        : undefined
    if (file === undefined) out.push(args[i]!)
    else {
      out.push('sh', file)
      i += 3
    }
  }
  return out
}

/** How a `brief` rendering cuts a long word: one longer than `over` characters keeps its first `keep`. */
const BRIEF = { over: 100, keep: 60 } as const

/** How {@link render} shows a command: see there. */
export interface RenderOptions {
  readonly redact: boolean
  readonly brief?: boolean
}

/**
 * Shell text for execution (`redact: false`) or for logs, errors and dry runs (`redact: true`).
 * `brief` (with `redact`) is for error messages: a word longer than 100 characters, such as a
 * caddy route or a whole config as JSON, is cut to its first 60 and `…`; the run log keeps it whole.
 */
export function render(command: Command, options: RenderOptions): string {
  const { redact, brief = false } = options
  const cut = (word: string): string => (brief && word.length > BRIEF.over ? `${word.slice(0, BRIEF.keep)}…` : word)
  const words = (args: readonly Arg[]): string =>
    args.map((a) => cut(quote(a instanceof Secret ? (redact ? String(a) : a.value) : a))).join(' ')
  // A program's own text was named when its builder loaded it, so one rule shows it and any nested in its argv.
  if (command.kind === 'exec') return words(redact ? shown(command.argv) : command.argv)
  if (command.kind === 'template')
    return command.text.reduce((text, next, i) => text + words(command.values[i - 1]!) + next)
  return command.commands.map((c) => group(c, options)).join(OPERATORS[command.kind])
}

// `a || b && c` means `(a || b) && c` in sh, so nested lists get braces; a template may end in `&` or
// a comment, so its closing brace goes on a line of its own.
const group = (c: Command, options: RenderOptions): string =>
  c.kind === 'exec' || c.kind === 'pipe'
    ? render(c, options)
    : c.kind === 'template'
      ? `{ ${render(c, options)}\n}`
      : `{ ${render(c, options)}; }`

/** The argv of a simple command, secrets redacted: what tests compare against. */
export function argv(command: Command): string[] {
  if (command.kind !== 'exec') throw new Error(`argv() needs a simple command, got a ${command.kind} list`)
  return command.argv.map(String)
}

/** Every Secret inside a command, so executors can scrub their values out of stray output. */
export function secretsOf(command: Command): Secret[] {
  if (command.kind === 'exec') return command.argv.filter((a): a is Secret => a instanceof Secret)
  if (command.kind === 'template') return command.values.flat().filter((a): a is Secret => a instanceof Secret)
  return command.commands.flatMap(secretsOf)
}
