import { AUDIT_AT } from '../support/context.ts'
import { execFileSync } from 'node:child_process'
import { mkdtempSync, realpathSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parse } from 'yaml'
import { normalize } from '../../lib/config/normalize.ts'
import { DeployYml } from '../../lib/config/schema.ts'
import { select } from '../../lib/config/selection.ts'
import type { Config } from '../../lib/config/types.ts'
import { newRunState, type DeployContext, type Flags } from '../../lib/context.ts'
import type { Executor } from '../../lib/exec/executor.ts'
import { localExecutor } from '../../lib/exec/local.ts'
import { recorder, type Reply } from '../../lib/exec/recorder.ts'
import { render } from '../../lib/shell/command.ts'

// Test support for the build and hook tests: a config through the real schema and normalize, the
// real local and recording executors with command logs, a context, and temp git repos.

/** The Kamal builder fixture shape, overridable per test: `makeConfig({ builder: { multiarch: false } })`. */
export function makeConfig(
  overrides: Record<string, unknown> = {},
  { root = '/app', destination }: { root?: string; destination?: string } = {},
): Config {
  const yml = DeployYml.parse({
    service: 'app',
    image: 'dhh/app',
    registry: { server: 'registry.example.com', username: 'dhh', password: ['REGISTRY_PASSWORD'] },
    servers: { web: ['1.1.1.1', '1.1.1.2'], workers: ['1.1.1.3'] },
    ...overrides,
  })
  const { config, missing } = normalize(yml, {
    file: 'deploy.yml',
    root,
    destination,
    secrets: { REGISTRY_PASSWORD: 'hunter2' },
  })
  if (missing.length > 0) throw new Error(missing.map((m) => `secret ${m.name} is not set`).join('\n'))
  return config
}

/** A config from YAML text (to check the samples and templates parse). */
export const parseConfigYaml = (text: string, root: string): Config => makeConfigFromYml(parse(text), root)
const makeConfigFromYml = (yml: unknown, root: string): Config => {
  const parsed = DeployYml.parse(yml)
  return normalize(parsed, { file: 'deploy.yml', root, secrets: { KAMAL_REGISTRY_PASSWORD: 'x' } }).config
}

/** The real local executor, with a log of the redacted commands it ran (for order assertions). */
export function localRunner({ cwd }: { cwd: string }): Executor & { log: string[] } {
  const real = localExecutor({ cwd })
  const log: string[] = []
  return {
    host: real.host,
    log,
    run: (command, options) => (log.push(render(command, { redact: true })), real.run(command, options)),
  }
}

/** The project's recording executor for `localhost`; its log lines read `localhost: <command>[ (stdin)]`. */
export function recordingExecutor(reply?: Reply): Executor & { log: string[] } {
  const rec = recorder({ reply })
  return { ...rec.executor('localhost'), log: rec.log }
}

/** A DeployContext around `config` and a local executor (remote use is a test bug here). */
export function makeContext(
  config: Config,
  local: Executor,
  { flags = {}, version = 'abc1234def' }: { flags?: Partial<Flags>; version?: string } = {},
) {
  const allFlags: Flags = {
    configFile: undefined,
    destination: undefined,
    version: undefined,
    hosts: undefined,
    roles: undefined,
    primary: false,
    skipHooks: false,
    skipPush: false,
    verbose: false,
    quiet: false,
    confirmed: false,
    dryRun: false,
    lockWait: undefined,
    ...flags,
  }
  const ctx: DeployContext = {
    config,
    version,
    command: 'deploy',
    subcommand: undefined,
    flags: allFlags,
    selection: select(config, {}),
    local,
    remote: (host) => {
      throw new Error(`build and hook tasks must not touch ${host}`)
    },
    signal: new AbortController().signal,
    clock: () => new Date(AUDIT_AT),
    startedAt: Date.now(),
    performer: 'Tester',
    auditPerformer: 'tester@example.com',
    ...newRunState(),
  }
  return ctx
}

/** `git` in `cwd` with a fixed identity, never reading or writing the user's git config. */
export function git(cwd: string, ...args: string[]): string {
  return execFileSync(
    'git',
    ['-c', 'user.name=Tester', '-c', 'user.email=t@example.com', '-c', 'init.defaultBranch=main', ...args],
    {
      cwd,
      encoding: 'utf8',
      env: { ...process.env, GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1' },
    },
  ).trim()
}

/** A temp git repo with a Dockerfile, a .dockerignore and one commit; returns its real path. */
export function tempRepo(files: Record<string, string> = {}): string {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), 'slipway-build-test-')))
  const all = {
    Dockerfile: 'FROM scratch\nCOPY app.txt /app.txt\n',
    '.dockerignore': 'secret.txt\n',
    'app.txt': 'v1\n',
    ...files,
  }
  for (const [name, content] of Object.entries(all)) writeFileSync(join(dir, name), content)
  git(dir, 'init', '-q')
  git(dir, 'add', '-A')
  git(dir, 'commit', '-q', '-m', 'first')
  return dir
}
