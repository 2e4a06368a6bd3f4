import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { nameProgram, type Arg, type Command } from '../shell/command.ts'

// Remote programs longer than a line live as files in ./sh (see sh/README.md), loaded once when the
// builder module is imported. A file declares its parameters by name in its first line of code,
// `name=$1 timeout_ms=$2`, followed by `shift N` when it also takes a list ("$@"); the builder binds
// values to those names. Values still travel only as positional parameters, never in the text.

/** Where the program files are: beside this module, also in a compiled package. */
export const PROGRAM_DIR = fileURLToPath(new URL('./sh/', import.meta.url))

/** A value for one parameter: numbers as decimal text, true as `1`, false and undefined as empty. */
export type Value = Arg | number | boolean | undefined

/** A loaded program: its text as sent (includes inlined, comment lines dropped) and its parameters. */
export interface Program {
  readonly file: string
  readonly text: string
  readonly params: readonly string[]
  /** Whether it takes a list after its named parameters (`shift N`, then "$@"). */
  readonly rest: boolean
}

const BINDING = /^[a-z_][a-z0-9_]*=\$(?:\d|\{\d+\})(?:\s+[a-z_][a-z0-9_]*=\$(?:\d|\{\d+\}))*$/
const INCLUDE = /^\. \.\/(include\/[a-z0-9-]+\.sh)$/
const COMMENT = /^\s*(#.*)?$/

/** Reads `file` from `dir` and parses its declaration; throws, naming the file, on a malformed one. */
export function loadProgram(file: string, dir: string = PROGRAM_DIR): Program {
  const code = inline(file, dir, [])
  const [first, second] = code
  const params: string[] = []
  if (first !== undefined && BINDING.test(first)) {
    for (const [i, pair] of first.split(/\s+/).entries()) {
      const [name, ref] = pair.split('=') as [string, string]
      if (ref.replace(/[${}]/g, '') !== String(i + 1)) throw new Error(`${file}: parameter ${name} must be $${i + 1}`)
      params.push(name)
    }
  }
  const rest = params.length > 0 && second === `shift ${params.length}`
  return { file, text: code.join('\n'), params, rest }
}

// The file's lines of code, each `. ./include/x.sh` replaced by that file's lines (once per program).
function inline(file: string, dir: string, seen: string[]): string[] {
  const lines = readFileSync(`${dir}${file}`, 'utf8').split('\n')
  return lines.flatMap((line) => {
    if (COMMENT.test(line)) return []
    const include = INCLUDE.exec(line.trim())?.[1]
    if (include === undefined) return [line]
    if (seen.includes(include)) return []
    seen.push(include)
    return inline(include, dir, seen)
  })
}

/**
 * The builder of one program: `program<'name' | 'timeout_ms'>('health-wait.sh')` returns a function
 * that binds `{ name, timeout_ms }` (exactly the declared names) and an optional list, and makes the
 * `sh -c <text> sh <values…> <list…>` command. Logs, errors and dry runs show it as `sh health-wait.sh …`.
 */
export function program<P extends string = never>(
  file: string,
): (values: Readonly<Record<P, Value>>, rest?: readonly Arg[]) => Command {
  const loaded = loadProgram(file)
  nameProgram(loaded.text, file)
  return (values, rest = []) => {
    const given = Object.keys(values).sort()
    const declared = [...loaded.params].sort()
    if (given.join(' ') !== declared.join(' '))
      throw new Error(`${file} takes ${declared.join(', ') || 'no parameters'}; bound: ${given.join(', ') || 'none'}`)
    if (rest.length > 0 && !loaded.rest) throw new Error(`${file} takes no list after its parameters`)
    const bound = loaded.params.map((name) => text((values as Record<string, Value>)[name]))
    return { kind: 'exec', argv: ['sh', '-c', loaded.text, 'sh', ...bound, ...rest], program: file }
  }
}

const text = (value: Value): Arg =>
  value === undefined || value === false ? '' : value === true ? '1' : typeof value === 'number' ? String(value) : value
