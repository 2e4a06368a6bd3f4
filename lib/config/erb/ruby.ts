import { spawnSync } from 'node:child_process'
import { accessSync, constants } from 'node:fs'
import { delimiter, join } from 'node:path'
import { ConfigError } from '../../errors.ts'

// Ruby's own ERB, for a file whose ERB goes beyond what slipway evaluates: exactly Kamal's
// semantics (ERB with the `-` trim mode, ENV from the environment and .env, commands run in
// the project dir). Only used when `ruby` is on PATH; slipway never needs it otherwise.

// Kamal's ERB runs with ActiveSupport loaded: blank?, present? and presence exist. Where the
// gem is missing, a minimal stand-in gives them the same meaning.
const RENDER = `
begin
  require "active_support/core_ext/object/blank"
rescue LoadError
  class Object; def blank?; respond_to?(:empty?) ? !!empty? : !self; end; end
  class String; def blank?; /\\A[[:space:]]*\\z/.match?(self); end; end
  class Object; def present?; !blank?; end; def presence; self if present?; end; end
end
STDOUT.write ERB.new(STDIN.read, trim_mode: "-").result`

/** The ruby executable on the env's PATH, if any. */
export function findRuby(env: Readonly<Record<string, string | undefined>>): string | undefined {
  for (const dir of (env['PATH'] ?? '').split(delimiter)) {
    if (!dir) continue
    const candidate = join(dir, 'ruby')
    try {
      accessSync(candidate, constants.X_OK)
      return candidate
    } catch {
      // not in this directory
    }
  }
  return undefined
}

/** `source` rendered by Ruby's ERB; Ruby's error (with its line) becomes a ConfigError. */
export function renderWithRuby(
  ruby: string,
  source: string,
  { file, env, root }: { file: string; env: Readonly<Record<string, string | undefined>>; root: string },
): string {
  const clean = Object.fromEntries(Object.entries(env).filter((kv): kv is [string, string] => kv[1] !== undefined))
  const result = spawnSync(ruby, ['-rerb', '-e', RENDER], { input: source, cwd: root, env: clean, encoding: 'utf8' })
  if (result.status === 0 && !result.error) return result.stdout
  const stderr = (result.stderr ?? '').trim()
  const line = /\(erb\):(\d+)/.exec(stderr)?.[1]
  const message = stderr.split('\n')[0]?.replace(/^\(erb\):\d+:in `[^']*': /, '') || result.error?.message || 'failed'
  throw new ConfigError(file, [
    { path: ['(ERB)'], message: `Ruby's ERB failed: ${message}`, line: line ? Number(line) : undefined },
  ])
}
