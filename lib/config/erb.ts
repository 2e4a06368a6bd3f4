import { ConfigError, type LocatedIssue } from '../errors.ts'

// Kamal runs every config file through ERB before YAML. Real configs use it to read the
// environment; slipway evaluates exactly those forms and refuses anything else (no Ruby).
const ENV_FORM =
  /^=\s*ENV(?:\[\s*(?<q1>["'])(?<idx>[^"']+)\k<q1>\s*\]|\.fetch\(\s*(?<q2>["'])(?<name>[^"']+)\k<q2>\s*(?:,\s*(?<q3>["'])(?<def>(?:(?!\k<q3>).)*)\k<q3>\s*)?\))\s*-?$/s

/**
 * Replaces `<%= ENV["X"] %>`, `<%= ENV.fetch("X") %>` and `<%= ENV.fetch("X", "default") %>`.
 * Replacements never add or remove newlines unless the value has them, so line numbers hold.
 * Tags inside YAML comments are left alone (commented-out Kamal examples use other ERB).
 */
export function evaluateErb(
  source: string,
  { file, env }: { file: string; env: Readonly<Record<string, string | undefined>> },
): string {
  const issues: LocatedIssue[] = []
  const out = source.replace(/<%(.*?)%>/gs, (tag, body: string, offset: number) => {
    const lineStart = source.lastIndexOf('\n', offset - 1) + 1
    if (/(^|\s)#/.test(source.slice(lineStart, offset))) return tag
    const at = position(source, offset)
    const m = ENV_FORM.exec(body.trim())
    if (!m?.groups) {
      issues.push({
        ...at,
        path: [oneLine(tag)],
        message: 'unsupported ERB: only <%= ENV["X"] %> and <%= ENV.fetch("X"[, "default"]) %> are evaluated',
      })
      return tag
    }
    const { idx, name, def } = m.groups
    if (idx !== undefined) return env[idx] ?? ''
    const value = env[name!] ?? def
    if (value === undefined) issues.push({ ...at, path: [oneLine(tag)], message: `${name} is not set (env or .env)` })
    return value ?? ''
  })
  if (issues.length > 0) throw new ConfigError(file, issues)
  return out
}

function position(source: string, offset: number): { line: number; col: number } {
  const before = source.slice(0, offset)
  const line = before.split('\n').length
  return { line, col: offset - before.lastIndexOf('\n') }
}

const oneLine = (tag: string): string => (tag.length > 72 ? `${tag.slice(0, 69)}...` : tag).replaceAll('\n', ' ')
