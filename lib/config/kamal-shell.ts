// How Kamal writes a value into a shell line (Kamal::Utils.escape_shell_value): Ruby's
// String#dump, then backticks and `$` not starting `${...}` escaped. `kamal config` prints
// argument lists in this form, e.g. logging as `--log-opt max-size="10m"`.

const NAMED: Readonly<Record<string, string>> = {
  '"': '\\"',
  '\\': '\\\\',
  '\n': '\\n',
  '\t': '\\t',
  '\r': '\\r',
  '\f': '\\f',
  '\v': '\\v',
  '\b': '\\b',
  '\x07': '\\a',
  '\x1b': '\\e',
}

/** Ruby's `String#dump`: double-quoted, control and non-ASCII characters escaped. */
function rubyDump(text: string): string {
  const chars = [...text]
  const body = chars.map((c, i) => {
    if (c in NAMED) return NAMED[c]!
    if (c === '#' && /^[{$@]$/.test(chars[i + 1] ?? '')) return '\\#'
    const code = c.codePointAt(0)!
    if (code < 0x20 || code === 0x7f) return `\\x${code.toString(16).toUpperCase().padStart(2, '0')}`
    if (code > 0xffff) return `\\u{${code.toString(16).toUpperCase()}}`
    if (code > 0x7e) return `\\u${code.toString(16).toUpperCase().padStart(4, '0')}`
    return c
  })
  return `"${body.join('')}"`
}

/** Kamal's escape_shell_value. */
export const kamalEscape = (value: string): string =>
  rubyDump(value)
    .replaceAll('`', '\\`')
    .replace(/\$(?!\{[^}]*\})/g, '\\$')
