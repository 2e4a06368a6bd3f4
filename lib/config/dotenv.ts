import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'

// The dotenv format as Ruby's dotenv reads it (Kamal 1.x secrets live in .env): KEY=value,
// `export ` prefixes, # comments, 'single' (literal) and "double" quotes (escapes, newlines),
// and ${VAR} / $VAR expansion outside single quotes. No $(command) substitution.

const LINE =
  /^[ \t]*(?:export[ \t]+)?([\w.]+)[ \t]*[=:][ \t]*('(?:\\'|[^'])*'|"(?:\\"|[^"])*"|[^#\n]*)?[ \t]*(?:#.*)?$/gm

/** Parses dotenv text; `base` supplies values for `${VAR}` not defined earlier in the file. */
export function parseDotenv(
  text: string,
  base: Readonly<Record<string, string | undefined>> = {},
): Record<string, string> {
  const out: Record<string, string> = {}
  const lookup = (name: string): string => out[name] ?? base[name] ?? ''
  for (const m of text.replace(/\r\n?/g, '\n').matchAll(LINE)) {
    const key = m[1]!
    const raw = (m[2] ?? '').trim()
    if (raw.startsWith("'") && raw.endsWith("'") && raw.length >= 2) out[key] = raw.slice(1, -1).replaceAll("\\'", "'")
    else if (raw.startsWith('"') && raw.endsWith('"') && raw.length >= 2)
      out[key] = expand(unescape(raw.slice(1, -1)), lookup)
    else out[key] = expand(raw, lookup)
  }
  return out
}

const unescape = (s: string): string =>
  s.replace(/\\([nrt"\\$])/g, (_, c: string) => ({ n: '\n', r: '\r', t: '\t' })[c] ?? (c === '$' ? '\\$' : c))

// `\$` stays literal: unescape leaves it as `\$` so expansion can skip it.
const expand = (s: string, lookup: (name: string) => string): string =>
  s.replace(/(\\)?\$(?:\{(\w+)\}|(\w+))/g, (all, esc: string | undefined, a?: string, b?: string) =>
    esc ? all.slice(1) : lookup((a ?? b)!),
  )

/**
 * The secrets source: `env` overlaid by `<root>/.env`, then `<root>/.env.<destination>`
 * (later wins: Kamal 1.9.3 switched to Dotenv.overload). Missing files are skipped.
 */
export function loadSecrets(
  root: string,
  destination: string | undefined,
  env: Readonly<Record<string, string | undefined>>,
): Record<string, string | undefined> {
  let secrets: Record<string, string | undefined> = { ...env }
  for (const name of ['.env', destination && `.env.${destination}`]) {
    if (!name) continue
    const path = join(root, name)
    if (existsSync(path)) secrets = { ...secrets, ...parseDotenv(readFileSync(path, 'utf8'), secrets) }
  }
  return secrets
}
