import { Secret, type Arg, type Command } from './command.ts'

/**
 * What a tagged template interpolates, as zx does but quoted for POSIX sh: a string or number is
 * one word, an array one word per element (so `[]` is none), a Secret one word shown as
 * [REDACTED], an earlier command's output its stdout without the final newline.
 */
export type TemplateValue = string | number | Secret | { readonly stdout: string } | readonly TemplateValue[]

/**
 * `template\`docker exec ${name} ${args}\``: the literal parts are shell text written by the task's
 * author; every value reaches the shell as quoted words, through render()'s one quote().
 */
export function template(text: TemplateStringsArray, ...values: readonly TemplateValue[]): Command {
  return { kind: 'template', text: text.map((cooked, i) => cooked ?? text.raw[i]!), values: values.map(words) }
}

function words(value: TemplateValue): Arg[] {
  if (typeof value === 'string' || value instanceof Secret) return [value]
  if (typeof value === 'number') return [String(value)]
  if (Array.isArray(value)) return value.flatMap(words)
  if (typeof value === 'object' && value !== null && 'stdout' in value) return [value.stdout.replace(/\n$/, '')]
  throw new TypeError(
    `a shell template takes strings, numbers, secrets, outputs and arrays of them, not ${typeof value}`,
  )
}
