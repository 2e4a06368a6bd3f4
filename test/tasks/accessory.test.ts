import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Listr } from 'listr2'
import { describe, expect, test } from 'vitest'
import * as accessoryCmd from '../../lib/commands/accessory.ts'
import * as lock from '../../lib/commands/lock.ts'
import type { DeployContext, DeployTask, Flags } from '../../lib/context.ts'
import { ConfigError, DeployError, HostsError } from '../../lib/errors.ts'
import { render, type Command } from '../../lib/shell/command.ts'
import { parseInvocation } from '../../lib/cli/flags.ts'
import {
  bootAccessory,
  rebootAccessory,
  removeAccessory,
  restartAccessory,
  startAccessory,
  stopAccessory,
} from '../../tasks/steps/accessory.ts'
import { accessoryDetails, accessoryLogs } from '../../tasks/steps/accessory-report.ts'
import { accessory as accessoryCommand } from '../../cli/accessory.ts'
import { invoke } from '../support/cli.ts'
import { makeConfig } from '../support/config.ts'
import { auditText, recordingContext, type Reply } from '../support/context.ts'

// db on 1.1.1.3 (files, directories, a secret), cache on 1.1.1.3 and 1.1.1.4; web (and the lock) on 1.1.1.1.
const YML = `service: app
image: dhh/app
registry: { server: registry.example.com, username: user, password: [KAMAL_REGISTRY_PASSWORD] }
servers:
  web: [1.1.1.1]
accessories:
  db:
    image: mysql:8
    host: 1.1.1.3
    port: "3306"
    env:
      clear: { MYSQL_DATABASE: app_db }
      secret: [MYSQL_ROOT_PASSWORD]
    files: [config/my.cnf.erb:/etc/mysql/my.cnf, config/init.sql:docker-entrypoint-initdb.d/init.sql]
    directories: [data:/var/lib/mysql]
  cache:
    image: redis:7
    hosts: [1.1.1.3, 1.1.1.4]
`
const root = mkdtempSync(join(tmpdir(), 'acc-task-'))
mkdirSync(join(root, 'config'))
writeFileSync(
  join(root, 'config/my.cnf.erb'),
  '[mysqld]\ndatabase=<%= ENV["MYSQL_DATABASE"] %>\nsecret=<%= ENV["MYSQL_ROOT_PASSWORD"] %>\n',
)
writeFileSync(join(root, 'config/init.sql'), 'CREATE TABLE t (x int); -- <%= not erb here %>\n')
const env = { KAMAL_REGISTRY_PASSWORD: 'registry-pw', MYSQL_ROOT_PASSWORD: 'root-pw' }
const config = makeConfig(YML, { env, root })
const [db, cache] = config.accessories as [(typeof config.accessories)[number], (typeof config.accessories)[number]]
const r = (c: Command): string => render(c, { redact: true })
const prepared: Reply = (l) => (l.includes('sh accessory-prepare.sh ') ? { stdout: 'home=/root\nstate=\n' } : undefined)

function setup({
  reply = prepared,
  flags = {},
  cfg = config,
}: { reply?: Reply; flags?: Partial<Flags>; cfg?: typeof config } = {}) {
  const { ctx: base, log } = recordingContext({ config: cfg, reply, flags })
  const stdin: string[] = []
  // Keeps what went to stdin per recorded line, to check that secrets and file contents travel there.
  const ctx: DeployContext = {
    ...base,
    remote: (host) => {
      const e = base.remote(host)
      return {
        host,
        run: (c, o) => (o?.stdin !== undefined && stdin.push(`${host}: ${r(c)} <<< ${o.stdin}`), e.run(c, o)),
      }
    },
  }
  const run = (tasks: DeployTask[]) => new Listr(tasks, { ctx, renderer: 'silent' }).run()
  return { ctx, log, stdin, run }
}
const on = (log: string[], host: string): string[] => log.filter((l) => l.startsWith(`${host}: `))
const accessorySteps = (...argv: string[]) => invoke(accessoryCommand, argv).steps
const login = 'docker login registry.example.com -u user --password-stdin'
const booted = (name: string): string => `${auditText(config, `Booted ${name} accessory`)} && ${login}`

describe('bootAccessory', () => {
  test('db: prepare (env file, dirs, home), one upload per file, then login && run, each with its stdin', async () => {
    const { log, stdin, run } = setup()
    await run([bootAccessory('db')])
    expect(log).toEqual([
      `1.1.1.3: ${r(accessoryCmd.bootPrepare(config, db))} (stdin)`,
      `1.1.1.3: ${r(accessoryCmd.uploadFile('/root/app-db/etc/mysql/my.cnf'))} (stdin)`,
      `1.1.1.3: ${r(accessoryCmd.uploadFile('/root/app-db/docker-entrypoint-initdb.d/init.sql'))} (stdin)`,
      `1.1.1.3: ${booted('db')} && ${r(accessoryCmd.run(config, db, { home: '/root' }))} (stdin)`,
    ])
    expect(log[0]).toContain('sh app-db .kamal/env/accessories/app-db.env app-db/data')
    expect(log[3]).toContain(
      '--env-file .kamal/env/accessories/app-db.env --env MYSQL_DATABASE=app_db --volume /root/app-db/etc/mysql/my.cnf:/etc/mysql/my.cnf',
    )
    // The ERB file sees the clear env only: the secret renders empty; other files are sent as written.
    expect(stdin.map((s) => s.slice(s.indexOf(' <<< ') + 5))).toEqual([
      'MYSQL_ROOT_PASSWORD=root-pw\n',
      '[mysqld]\ndatabase=app_db\nsecret=\n',
      'CREATE TABLE t (x int); -- <%= not erb here %>\n',
      'registry-pw',
    ])
    expect(log.join('\n')).not.toMatch(/root-pw|registry-pw/)
  })

  test('all: each host boots its accessories one after another, in config order', async () => {
    const { log, run } = setup()
    await run([bootAccessory('all')])
    const cacheBoot = [
      `${r(accessoryCmd.bootPrepare(config, cache))} (stdin)`,
      `${booted('cache')} && ${r(accessoryCmd.run(config, cache, { home: '/root' }))} (stdin)`,
    ]
    expect(on(log, '1.1.1.3')).toEqual(
      [
        `${r(accessoryCmd.bootPrepare(config, db))} (stdin)`,
        `${r(accessoryCmd.uploadFile('/root/app-db/etc/mysql/my.cnf'))} (stdin)`,
        `${r(accessoryCmd.uploadFile('/root/app-db/docker-entrypoint-initdb.d/init.sql'))} (stdin)`,
        `${booted('db')} && ${r(accessoryCmd.run(config, db, { home: '/root' }))} (stdin)`,
        ...cacheBoot,
      ].map((l) => `1.1.1.3: ${l}`),
    )
    expect(on(log, '1.1.1.4')).toEqual([
      `1.1.1.4: ${r(accessoryCmd.bootPrepare(config, cache))} (stdin)`,
      `1.1.1.4: ${booted('cache')} && docker run --name app-cache --detach --restart unless-stopped --log-opt max-size=10m --label service=app-cache redis:7 (stdin)`,
    ])
  })

  test('--hosts narrows the accessory hosts; --roles does not apply', async () => {
    const { log, run } = setup({ flags: { hosts: ['1.1.1.4'], roles: ['web'] } })
    await run([bootAccessory('all')])
    expect(log.map((l) => l.slice(0, 9))).toEqual(['1.1.1.4: ', '1.1.1.4: '])
  })

  test('a container that exists already: says to use reboot before any upload, and the other host still boots', async () => {
    const exists: Reply = (l) =>
      l.startsWith('1.1.1.3: ') && l.includes('sh accessory-prepare.sh ')
        ? { stdout: 'home=/root\nstate=running\n' }
        : prepared(l)
    const { log, run } = setup({ reply: exists })
    const error = await run([bootAccessory('cache')]).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(HostsError)
    expect((error as Error).message).toBe(
      '1.1.1.3: accessory cache is already booted (container app-cache is running): use reboot to replace it',
    )
    expect(on(log, '1.1.1.3')).toEqual([`1.1.1.3: ${r(accessoryCmd.bootPrepare(config, cache))} (stdin)`])
    expect(on(log, '1.1.1.4')).toHaveLength(2)
  })

  test('skipExisting leaves a host with the container alone: no upload, no run', async () => {
    const { log, run } = setup({
      reply: (l) =>
        l.startsWith('1.1.1.3: ') && l.includes('sh accessory-prepare.sh ')
          ? { stdout: 'home=/root\nstate=exited\n' }
          : prepared(l),
    })
    await run([bootAccessory('all', { skipExisting: true })])
    expect(on(log, '1.1.1.3')).toEqual([
      `1.1.1.3: ${r(accessoryCmd.bootPrepare(config, db))} (stdin)`,
      `1.1.1.3: ${r(accessoryCmd.bootPrepare(config, cache))} (stdin)`,
    ])
    expect(on(log, '1.1.1.4')).toHaveLength(2)
  })

  test('a missing local file or unsupported ERB fails before any host is touched', async () => {
    const missing = makeConfig(YML.replace('config/init.sql:', 'config/nope.sql:'), { env, root })
    const a = setup({ cfg: missing })
    await expect(a.run([bootAccessory('db')])).rejects.toThrow(
      /^accessories\.db\.files: cannot read config\/nope\.sql \(ENOENT\)$/,
    )
    expect(a.log).toEqual([])
    writeFileSync(join(root, 'config/bad.erb'), 'ok\nx=<%= Time.now %>\n')
    const bad = setup({ cfg: makeConfig(YML.replace('config/init.sql:', 'config/bad.erb:'), { env, root }) })
    const error = await bad.run([bootAccessory('db')]).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ConfigError)
    expect((error as Error).message).toBe(
      'config/bad.erb:2:7 <%= Time.now %>: the constant Time is outside the ERB slipway evaluates, and there is no ruby on PATH to render it (see docs/compatibility.md)',
    )
    expect(bad.log).toEqual([])
  })

  test('an unknown name lists the accessories', async () => {
    const { run } = setup()
    await expect(run([bootAccessory('redis')])).rejects.toThrow(
      'no accessory named redis in deploy.yml (accessories: db, cache)',
    )
  })
})

describe('reboot, start, stop, restart, remove', () => {
  test('reboot: an existing container is no obstacle; uploads first, then stop ; prune && login && run in one round trip', async () => {
    const { log, run } = setup({
      reply: (l) => (l.includes('sh accessory-prepare.sh ') ? { stdout: 'home=/root\nstate=running\n' } : undefined),
    })
    await run([rebootAccessory('cache')])
    expect(on(log, '1.1.1.4')).toEqual([
      `1.1.1.4: ${r(accessoryCmd.bootPrepare(config, cache))} (stdin)`,
      `1.1.1.4: docker container stop app-cache ; { docker container prune --force --filter label=service=app-cache && ${booted('cache')} && ` +
        `docker run --name app-cache --detach --restart unless-stopped --log-opt max-size=10m --label service=app-cache redis:7; } (stdin)`,
    ])
  })

  test('start, stop (a missing container is fine), restart in one trip', async () => {
    const s = setup({
      reply: (l) => (l.includes('stop') ? { exitCode: 1, stderr: 'No such container: app-cache' } : undefined),
    })
    await s.run([stopAccessory('cache'), startAccessory('cache')])
    expect(s.log.sort()).toEqual([
      `1.1.1.3: ${auditText(config, 'Started cache accessory')} && docker container start app-cache`,
      `1.1.1.3: ${auditText(config, 'Stopped cache accessory')} && docker container stop app-cache`,
      `1.1.1.4: ${auditText(config, 'Started cache accessory')} && docker container start app-cache`,
      `1.1.1.4: ${auditText(config, 'Stopped cache accessory')} && docker container stop app-cache`,
    ])
    const t = setup()
    await t.run([restartAccessory('db')])
    expect(t.log).toEqual([
      `1.1.1.3: { ${auditText(config, 'Stopped db accessory')} && docker container stop app-db; } ; { ${auditText(config, 'Started db accessory')} && docker container start app-db; }`,
    ])
  })

  test('remove: stop, prune, image, service dir and env file, in one round trip per host', async () => {
    const { log, run } = setup()
    await run([removeAccessory('db')])
    expect(log).toEqual([
      `1.1.1.3: ${auditText(config, 'Removed db accessory')} && ${r(accessoryCmd.remove(config, db, { home: '.' }))} && rm -f .kamal/env/accessories/app-db.env`,
    ])
    expect(log[0]).toContain('sh accessory-remove.sh app-db mysql:8 ./app-db && rm -f')
  })
})

describe('details and logs', () => {
  test('details all: Host blocks per host, accessories in config order', async () => {
    const { ctx, run } = setup({ reply: (l) => ({ stdout: `ps of ${l.split(' ').pop()}\n` }) })
    await run([accessoryDetails('all')])
    expect(ctx.report.lines).toEqual([
      'Host: 1.1.1.3 (db)\nps of label=service=app-db\n',
      'Host: 1.1.1.3 (cache)\nps of label=service=app-cache\n',
      'Host: 1.1.1.4 (cache)\nps of label=service=app-cache\n',
    ])
  })

  test('logs: 100 lines by default, grep without a default, "Nothing found" when grep matches nothing', async () => {
    const a = setup({ reply: () => ({ stdout: 'line\n' }) })
    await a.run([accessoryLogs('db')])
    expect(a.log).toEqual([`1.1.1.3: ${r(accessoryCmd.logs(config, db, { lines: 100 }))}`])
    expect(a.ctx.report.lines).toEqual(['Host: 1.1.1.3 (db)\nline\n'])
    const b = setup({ reply: () => ({ exitCode: 1 }) })
    await b.run([accessoryLogs('db', { grep: 'ERROR' })])
    expect(b.log).toEqual([`1.1.1.3: ${r(accessoryCmd.logs(config, db, { grep: 'ERROR' }))}`])
    expect(b.ctx.report.lines).toEqual(['Host: 1.1.1.3 (db)\nNothing found\n'])
    const c = setup({ reply: () => ({ exitCode: 1, stdout: 'Error: No such container: app-db\n' }) })
    await expect(c.run([accessoryLogs('db')])).rejects.toThrow('No such container: app-db')
  })
})

describe('accessorySteps', () => {
  test('changing subcommands hold the deploy lock on the primary host', async () => {
    const { log, run } = setup()
    await run(accessorySteps('restart', 'db'))
    expect(log[0]).toMatch(/^1\.1\.1\.1: sh -c 'mkdir -p "\$1" && mkdir "\$2"/)
    expect(log.slice(1)).toEqual([
      `1.1.1.3: { ${auditText(config, 'Stopped db accessory')} && docker container stop app-db; } ; { ${auditText(config, 'Started db accessory')} && docker container start app-db; }`,
      `1.1.1.1: ${r(lock.release(config))}`,
    ])
  })

  test('details and logs do not lock', async () => {
    const { log, run } = setup()
    await run(accessorySteps('logs', 'cache', '-n', '5', '-g', 'x'))
    expect(log.sort()).toEqual(
      ['1.1.1.3', '1.1.1.4'].map((h) => `${h}: ${r(accessoryCmd.logs(config, cache, { lines: 5, grep: 'x' }))}`),
    )
  })

  test.each([
    [
      [],
      'missing subcommand: use one of boot, reboot, start, stop, restart, details, exec, logs, remove, upload, directories (see --help)',
    ],
    [
      ['upgrade', 'db'],
      'unknown subcommand upgrade: use one of boot, reboot, start, stop, restart, details, exec, logs, remove, upload, directories (see --help)',
    ],
    [['exec', 'db'], 'accessory exec needs CMD...'],
    [['boot'], 'accessory boot needs NAME'],
    [['logs'], 'accessory logs needs NAME'],
    [['start', 'all'], "accessory start needs one accessory's NAME (all works for boot, reboot, details, remove)"],
    [['boot', 'db', 'cache'], 'accessory boot takes NAME, got also: cache'],
  ])('%j is refused before anything runs', (args, message) => {
    expect(() => accessorySteps(...args)).toThrow(new DeployError(message))
  })

  test('remove asks first, naming what it deletes; -y skips the question; other subcommands never ask', () => {
    const ask = (...argv: string[]) => accessoryCommand.confirm?.(parseInvocation(argv, accessoryCommand) as never)
    expect(ask('remove', 'db')).toBe('This deletes the container, image and data directories of db. Sure?')
    expect(ask('remove', 'all')).toBe(
      'This deletes the container, image and data directories of every accessory. Sure?',
    )
    expect(ask('boot', 'db')).toBeUndefined()
  })

  test('remove -y runs under the lock', async () => {
    const { log, run } = setup()
    await run(accessorySteps('remove', 'all', '-y'))
    expect(log.filter((l) => l.includes('sh accessory-remove.sh '))).toHaveLength(3)
  })
})
