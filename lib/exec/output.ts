import type { Secret } from '../shell/command.ts'

/** Splits a byte stream into lines for `onOutput`; `flush()` emits a last line without a newline. */
export function lineSplitter(onLine: (line: string) => void): { push(chunk: Buffer | string): void; flush(): void } {
  // Decode per stream, not per chunk, so a UTF-8 character split across two chunks survives.
  const decoder = new TextDecoder()
  let rest = ''
  return {
    push(chunk) {
      rest += typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true })
      const lines = rest.split('\n')
      rest = lines.pop() ?? ''
      for (const line of lines) onLine(line.endsWith('\r') ? line.slice(0, -1) : line)
    },
    flush() {
      rest += decoder.decode()
      if (rest) onLine(rest)
      rest = ''
    },
  }
}

/**
 * Replaces every secret in `text` with [REDACTED], so output quoted in errors and logs leaks
 * nothing: its value as it is, and as programs print it back escaped (`docker inspect`'s JSON, the
 * env file's `\n`); a value of several lines is also scrubbed line by line, as logs show it.
 */
export function scrub(text: string, secrets: readonly Secret[]): string {
  let out = text
  // Longest first: a secret that contains another must be replaced whole.
  for (const value of secrets.flatMap(formsOf).sort((a, b) => b.length - a.length)) {
    if (out.includes(value)) out = out.replaceAll(value, '[REDACTED]')
  }
  return out
}

// Shorter lines of a multi-line secret are left alone: `}` or `--` alone would blank unrelated text.
const MIN_LINE = 6
const forms = new WeakMap<Secret, readonly string[]>()

/** The texts a secret's value may appear as in output. */
function formsOf(secret: Secret): readonly string[] {
  const known = forms.get(secret)
  if (known) return known
  const value = secret.value
  const json = JSON.stringify(value).slice(1, -1)
  const lines = value.includes('\n') ? value.split(/\r?\n/).filter((l) => l.trim().length >= MIN_LINE) : []
  const found = [...new Set([value, json, json.replaceAll('\\"', '"'), ...lines])].filter(Boolean)
  forms.set(secret, found)
  return found
}

/** The `onOutput` callback wrapped so every line it sees is scrubbed of the command's secrets. */
export function scrubbedLines(onOutput: ((line: string) => void) | undefined, secrets: readonly Secret[]) {
  if (!onOutput) return undefined
  return secrets.length === 0 ? onOutput : (line: string) => onOutput(scrub(line, secrets))
}
