import { appendFileSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { CommandError } from '../errors.ts'
import type { Executor, Result, RunOptions } from '../exec/executor.ts'
import { scrub } from '../exec/output.ts'
import { render, Secret, secretsOf, type Command } from '../shell/command.ts'

/** Where run logs live, relative to the app's root; the folder ignores itself in git. */
export const LOG_DIR = join('.slipway', 'logs')

/** How many run logs are kept; older ones are deleted when a run starts. */
export const LOGS_KEPT = 20

/**
 * The full log of one run, as Capistrano's Airbrussh keeps one: every command per host with its
 * output and exit code, timestamped, secrets redacted. The terminal stays concise; this has it all.
 */
export interface RunLog {
  /** The log file's path. */
  readonly path: string
  /** Appends one timestamped line (scrubbed of every known secret). */
  line(text: string): void
  /** The executor with every command it runs written to the log. */
  executor(inner: Executor): Executor
  /** Adds values to scrub from everything written after this call (the config's secrets, once loaded). */
  redact(secrets: readonly Secret[]): void
}

/** Opens a new log file for a run of `command` under `root`, and deletes all but the newest {@link LOGS_KEPT}. */
export function openRunLog(root: string, command: string, now = new Date()): RunLog {
  const dir = join(root, LOG_DIR)
  mkdirSync(dir, { recursive: true })
  // The logs are for this machine's user, not for the repository.
  writeFileSync(join(root, '.slipway', '.gitignore'), '*\n')
  const stamp = now
    .toISOString()
    .replaceAll(':', '-')
    .replace(/\.\d+Z$/, 'Z')
  const path = join(dir, `${stamp}-${command.replaceAll(/[^\w-]/g, '_')}-${process.pid}.log`)
  writeFileSync(path, '', { mode: 0o600 })
  prune(dir)
  const secrets: Secret[] = []
  const clean = (text: string): string => scrub(text, secrets)
  const write = (text: string): void => {
    const time = new Date().toISOString().slice(11, 23)
    appendFileSync(path, `${clean(text).replaceAll(/^/gm, `${time} `)}\n`)
  }
  let next = 0
  const executor = (inner: Executor): Executor => ({
    host: inner.host,
    async run(command: Command, options: RunOptions = {}): Promise<Result> {
      const id = `#${++next}`
      const where = `[${inner.host} ${id}]`
      const started = Date.now()
      const own = secretsOf(command)
      const text = (s: string): string => scrub(s, own)
      write(
        `${where} $ ${render(command, { redact: true })}${options.stdin === undefined ? '' : ' (with stdin, not logged)'}`,
      )
      const streamed = options.onOutput
      const onOutput = streamed && ((line: string) => (write(`${where} | ${text(line)}`), streamed(line)))
      try {
        const result = await inner.run(command, { ...options, onOutput })
        if (!streamed) body(where, result, text)
        write(`${where} exit ${result.exitCode} (${Date.now() - started} ms)`)
        return result
      } catch (error) {
        if (error instanceof CommandError) {
          if (!streamed) body(where, error, text)
          write(`${where} exit ${error.exitCode} (${Date.now() - started} ms)`)
        } else {
          write(`${where} failed after ${Date.now() - started} ms: ${(error as Error)?.message ?? error}`)
        }
        throw error
      }
    },
    // A terminal session is logged as its command and exit code: what was typed and shown stays private.
    ...(inner.attach && {
      async attach(command, terminal, options) {
        const where = `[${inner.host} #${++next}]`
        const started = Date.now()
        write(`${where} $ ${render(command, { redact: true })} (on a terminal, not logged)`)
        try {
          const code = await inner.attach!(command, terminal, options)
          write(`${where} exit ${code} (${Date.now() - started} ms)`)
          return code
        } catch (error) {
          write(`${where} failed after ${Date.now() - started} ms: ${(error as Error)?.message ?? error}`)
          throw error
        }
      },
    }),
  })
  const body = (where: string, out: { stdout: string; stderr: string }, text: (s: string) => string): void => {
    for (const [name, value] of [
      ['out', out.stdout],
      ['err', out.stderr],
    ] as const) {
      for (const line of value.trimEnd().split('\n')) if (line) write(`${where} ${name}| ${text(line)}`)
    }
  }
  return {
    path,
    line: write,
    executor,
    redact: (more) => void secrets.push(...more.filter((s) => s.value !== '')),
  }
}

/**
 * Every value of a run known to be secret, none empty: the config's Secrets (registry password,
 * env secrets, key data) and the build secrets, whose values the builder reads from the environment.
 */
export function knownSecrets(
  config: { readonly builder: { readonly secrets: readonly string[] } },
  env: Readonly<Record<string, string | undefined>>,
): Secret[] {
  const build = config.builder.secrets.map((name) => env[name]).filter((v): v is string => typeof v === 'string')
  return [...secretsIn(config), ...build.map((v) => new Secret(v))].filter((s) => s.value !== '')
}

/** Every Secret anywhere in a value (the loaded config): registry password, env secrets, key data. */
export function secretsIn(value: unknown, seen = new Set<unknown>()): Secret[] {
  if (value instanceof Secret) return [value]
  if (value === null || typeof value !== 'object' || seen.has(value)) return []
  seen.add(value)
  const children = value instanceof Map ? [...value.values()] : Object.values(value)
  return children.flatMap((child) => secretsIn(child, seen))
}

function prune(dir: string): void {
  // ISO timestamps sort by time, so the oldest come first.
  const logs = readdirSync(dir)
    .filter((f) => f.endsWith('.log'))
    .sort()
  for (const old of logs.slice(0, Math.max(0, logs.length - LOGS_KEPT))) rmSync(join(dir, old), { force: true })
}
