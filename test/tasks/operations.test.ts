import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Listr } from 'listr2'
import { describe, expect, test } from 'vitest'
import type { DeployContext, DeployTask } from '../../lib/context.ts'
import { envify } from '../../lib/config/envify.ts'
import { DeployError } from '../../lib/errors.ts'
import { confirm } from '../../lib/run/confirm.ts'
import { prune } from '../../cli/prune.ts'
import { registry } from '../../cli/registry.ts'
import { remove } from '../../cli/remove.ts'
import { env as envCommand } from '../../cli/env.ts'
import { deleteEnv, pushEnv } from '../../tasks/steps/env.ts'
import { invoke } from '../support/cli.ts'
import { makeConfig } from '../support/config.ts'
import { auditText, recordingContext } from '../support/context.ts'
import { PassThrough } from 'node:stream'

// web on 1.1.1.1 and 1.1.1.2 behind traefik, workers on 1.1.1.2, a db accessory on 1.1.1.3.
const YML = `service: app
image: dhh/app
registry: { server: registry.example.com, username: user, password: [KAMAL_REGISTRY_PASSWORD] }
servers:
  web: [1.1.1.1, 1.1.1.2]
  workers:
    hosts: [1.1.1.2]
    cmd: bin/jobs
env:
  secret: [API_TOKEN]
traefik:
  env:
    secret: [TRAEFIK_TOKEN]
accessories:
  db:
    image: mysql:8
    host: 1.1.1.3
    env:
      secret: [MYSQL_ROOT_PASSWORD]
`
const env = { KAMAL_REGISTRY_PASSWORD: 'pw', API_TOKEN: 'api-1', TRAEFIK_TOKEN: 'tr-1', MYSQL_ROOT_PASSWORD: 'root-1' }
const config = makeConfig(YML, { env })

function setup() {
  const { ctx: base, log } = recordingContext({ config })
  const stdin: string[] = []
  const ctx: DeployContext = {
    ...base,
    remote: (host) => {
      const e = base.remote(host)
      return { host, run: (c, o) => (o?.stdin !== undefined && stdin.push(`${host} <<< ${o.stdin}`), e.run(c, o)) }
    },
  }
  const run = (tasks: DeployTask[]) => new Listr(tasks, { ctx, renderer: 'silent' }).run()
  return { ctx, log, stdin, run }
}

describe('env push and delete', () => {
  test('push writes each host its roles’, the proxy’s and its accessories’ files from stdin; the audit line rides with the first', async () => {
    const { log, stdin, run } = setup()
    await run([pushEnv()])
    const write = (path: string) =>
      `sh -c 'umask 077 && mkdir -p "$(dirname "$1")" && cat > "$1" && chmod 600 "$1"' sh ${path}`
    expect(log.sort()).toEqual(
      [
        `1.1.1.1: ${auditText(config, 'Pushed env files')} && ${write('.kamal/env/roles/app-web.env')} (stdin)`,
        `1.1.1.1: ${write('.kamal/env/traefik/traefik.env')} (stdin)`,
        `1.1.1.2: ${auditText(config, 'Pushed env files')} && ${write('.kamal/env/roles/app-web.env')} (stdin)`,
        `1.1.1.2: ${write('.kamal/env/roles/app-workers.env')} (stdin)`,
        `1.1.1.2: ${write('.kamal/env/traefik/traefik.env')} (stdin)`,
        `1.1.1.3: ${auditText(config, 'Pushed env files')} && ${write('.kamal/env/accessories/app-db.env')} (stdin)`,
      ].sort(),
    )
    // The secrets travel on stdin only.
    expect(log.join('\n')).not.toMatch(/api-1|tr-1|root-1/)
    expect(stdin.sort()).toEqual(
      [
        '1.1.1.1 <<< API_TOKEN=api-1\n',
        '1.1.1.1 <<< TRAEFIK_TOKEN=tr-1\n',
        '1.1.1.2 <<< API_TOKEN=api-1\n',
        '1.1.1.2 <<< API_TOKEN=api-1\n',
        '1.1.1.2 <<< TRAEFIK_TOKEN=tr-1\n',
        '1.1.1.3 <<< MYSQL_ROOT_PASSWORD=root-1\n',
      ].sort(),
    )
  })

  test('push refuses before any change while a secret of a role, the proxy or an accessory is not set, naming each', async () => {
    const { TRAEFIK_TOKEN: _, MYSQL_ROOT_PASSWORD: __, ...partial } = env
    const invoked = invoke(envCommand, ['push'])
    const { ctx, log } = recordingContext({ config: makeConfig(YML, { env: partial }), flags: invoked.flags })
    const pushing = new Listr(invoked.steps as DeployTask[], { ctx, renderer: 'silent' }).run()
    const message = await pushing.then(
      () => '',
      (error: Error) => error.message,
    )
    expect(message).toContain('traefik.env.secret[0]: secret TRAEFIK_TOKEN is not set')
    expect(message).toContain('accessories.db.env.secret[0]: secret MYSQL_ROOT_PASSWORD is not set')
    expect(log).toEqual([])
  })

  test('delete removes the same files, one round trip per host', async () => {
    const { log, run } = setup()
    await run([deleteEnv()])
    expect(log.sort()).toEqual([
      `1.1.1.1: ${auditText(config, 'Deleted env files')} && rm -f .kamal/env/roles/app-web.env && rm -f .kamal/env/traefik/traefik.env`,
      `1.1.1.2: ${auditText(config, 'Deleted env files')} && rm -f .kamal/env/roles/app-web.env && rm -f .kamal/env/roles/app-workers.env && rm -f .kamal/env/traefik/traefik.env`,
      `1.1.1.3: ${auditText(config, 'Deleted env files')} && rm -f .kamal/env/accessories/app-db.env`,
    ])
  })
})

describe('envify', () => {
  test('renders .env.erb (or .env.DEST.erb) into a mode-600 file, also over an existing one', () => {
    const cwd = mkdtempSync(join(tmpdir(), 'envify-'))
    writeFileSync(join(cwd, '.env.erb'), 'TOKEN=<%= ENV["SOURCE"] %>\n<% if ENV["SOURCE"] -%>\nSET=yes\n<% end -%>\n')
    writeFileSync(join(cwd, '.env'), 'OLD=1\n', { mode: 0o644 })
    expect(envify({ cwd, destination: undefined, env: { SOURCE: 'abc' } })).toBe('.env')
    expect(readFileSync(join(cwd, '.env'), 'utf8')).toBe('TOKEN=abc\nSET=yes\n')
    expect(statSync(join(cwd, '.env')).mode & 0o777).toBe(0o600)
    writeFileSync(join(cwd, '.env.staging.erb'), 'TOKEN=staging\n')
    expect(envify({ cwd, destination: 'staging', env: {} })).toBe('.env.staging')
    expect(readFileSync(join(cwd, '.env.staging'), 'utf8')).toBe('TOKEN=staging\n')
  })

  test('a missing template is an error naming it', () => {
    const cwd = mkdtempSync(join(tmpdir(), 'envify-'))
    expect(() => envify({ cwd, destination: 'prod', env: {} })).toThrow(
      new DeployError(`.env.prod.erb not found in ${cwd}: envify renders it into .env.prod`),
    )
  })
})

describe('command lines', () => {
  test('remove runs proxy, app, accessories, files and logout under one lock, and asks first', () => {
    const { steps } = invoke(remove, [])
    expect(steps.map((s) => s.title)).toEqual(['Deploy lock'])
    expect(remove.confirm?.({} as never)).toMatch(/Sure\?$/)
  })

  test('prune --retain must be a whole number of at least 1', () => {
    expect(invoke(prune, ['containers', '--retain', '2']).steps).toHaveLength(1)
    expect(() => invoke(prune, ['containers', '--retain', '0'])).toThrow('--retain must be at least 1, got 0')
    expect(() => invoke(prune, ['all', '--retain', 'x'])).toThrow('--retain must be at least 1, got x')
  })

  test('registry -L and -R leave out this machine or the servers', () => {
    const titles = (...argv: string[]) => invoke(registry, argv).steps.map((s) => s.title)
    expect(titles('login')).toEqual([
      'Check the secrets this run uses are set',
      'Log in to the registry here',
      'Log in to the registry on the servers',
    ])
    expect(titles('login', '-L')).toEqual([
      'Check the secrets this run uses are set',
      'Log in to the registry on the servers',
    ])
    expect(titles('logout', '-R')).toEqual(['Log out of the registry here'])
  })
})

describe('confirm', () => {
  test('refuses without a terminal, naming -y', async () => {
    const input = new PassThrough()
    await expect(confirm('Remove it all?', { input, output: new PassThrough() })).rejects.toThrow(
      'Remove it all? Not asking without a terminal: run it again with -y (--confirmed)',
    )
  })

  test('on a terminal, only y or yes goes ahead', async () => {
    for (const [answer, yes] of [
      ['y', true],
      ['YES', true],
      ['n', false],
      ['', false],
    ] as const) {
      const input = Object.assign(new PassThrough(), { isTTY: true })
      const output = new PassThrough()
      const asked = confirm('Remove it all?', { input, output })
      input.write(`${answer}\n`)
      expect(await asked).toBe(yes)
      expect(String(output.read())).toContain('Remove it all? [y/N] ')
    }
  })
})
