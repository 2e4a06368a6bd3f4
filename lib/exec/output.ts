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

/** Replaces every secret value in `text` with [REDACTED], so output quoted in errors and logs leaks nothing. */
export function scrub(text: string, secrets: readonly Secret[]): string {
  let out = text
  // Longest first: a secret that contains another must be replaced whole.
  for (const value of secrets.map((s) => s.value).sort((a, b) => b.length - a.length)) {
    if (value) out = out.replaceAll(value, '[REDACTED]')
  }
  return out
}

/** The `onOutput` callback wrapped so every line it sees is scrubbed of the command's secrets. */
export function scrubbedLines(onOutput: ((line: string) => void) | undefined, secrets: readonly Secret[]) {
  if (!onOutput) return undefined
  return secrets.length === 0 ? onOutput : (line: string) => onOutput(scrub(line, secrets))
}
