import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, test } from 'vitest'
import * as accessoryCmd from '../../lib/commands/accessory.ts'
import { argv, render } from '../../lib/shell/command.ts'
import { accessory, makeConfig } from './fixture.ts'

const config = makeConfig()
const mysql = accessory({
  files: [{ local: 'config/mysql/my.cnf', remote: '/etc/mysql/my.cnf' }],
  directories: [
    { host: 'data', container: '/var/lib/mysql' },
    { host: '/mnt/backups', container: '/backups' },
  ],
  volumes: ['/var/run/mysqld:/run/mysqld'],
  labels: { 'my.label': 'x' },
  options: { cpus: 4, memory: '2GB' },
  cmd: 'mysqld --default-authentication-plugin="mysql native"',
})

describe('accessory', () => {
  test("run: Kamal's order, files and relative directories under <home>/<service>", () => {
    // prettier-ignore
    expect(argv(accessoryCmd.run(config, mysql, { home: '/root' }))).toEqual([
      'docker', 'run', '--name', 'app-mysql', '--detach', '--restart', 'unless-stopped',
      '--log-opt', 'max-size=10m',
      '--publish', '3306:3306',
      '--env-file', '.kamal/env/accessories/app-mysql.env', '--env', 'MYSQL_ROOT_HOST=%',
      '--volume', '/var/run/mysqld:/run/mysqld',
      '--volume', '/root/app-mysql/etc/mysql/my.cnf:/etc/mysql/my.cnf',
      '--volume', '/root/app-mysql/data:/var/lib/mysql',
      '--volume', '/mnt/backups:/backups',
      '--label', 'service=app-mysql', '--label', 'my.label=x',
      '--cpus', '4', '--memory', '2GB',
      'mysql:8.0', 'mysqld', '--default-authentication-plugin=mysql native',
    ])
    expect(render(accessoryCmd.run(config, mysql, { home: '/root' }), { redact: true })).not.toContain('secret123')
  })

  test('a port with an address is published as written', () => {
    expect(
      argv(
        accessoryCmd.run(config, accessory({ port: '127.0.0.1:3306:3306', env: { clear: {}, secret: {} } }), {
          home: '/root',
        }),
      ),
    ).toEqual([
      'docker',
      'run',
      '--name',
      'app-mysql',
      '--detach',
      '--restart',
      'unless-stopped',
      '--log-opt',
      'max-size=10m',
      '--publish',
      '127.0.0.1:3306:3306',
      '--label',
      'service=app-mysql',
      'mysql:8.0',
    ])
  })

  test('start, stop, details, exec', () => {
    expect(argv(accessoryCmd.start(config, mysql))).toEqual(['docker', 'container', 'start', 'app-mysql'])
    expect(argv(accessoryCmd.stop(config, mysql))).toEqual(['docker', 'container', 'stop', 'app-mysql'])
    expect(argv(accessoryCmd.details(config, mysql))).toEqual(['docker', 'ps', '--filter', 'label=service=app-mysql'])
    expect(
      argv(accessoryCmd.exec(config, mysql, { command: ['mysql', '-u', 'root'], home: '/root', interactive: true })),
    ).toEqual(['docker', 'exec', '-it', 'app-mysql', 'mysql', '-u', 'root'])
    expect(argv(accessoryCmd.exec(config, accessory(), { command: ['mysql'], home: '/root', fresh: true }))).toEqual([
      'docker',
      'run',
      '--rm',
      '--env-file',
      '.kamal/env/accessories/app-mysql.env',
      '--env',
      'MYSQL_ROOT_HOST=%',
      'mysql:8.0',
      'mysql',
    ])
  })

  test('logs with since, lines and grep', () => {
    expect(
      render(accessoryCmd.logs(config, mysql, { since: '5m', lines: 100, grep: 'ERROR x', grepOptions: '-i' }), {
        redact: true,
      }),
    ).toBe("sh -c 'docker logs \"$@\" 2>&1' sh app-mysql --since 5m --tail 100 --timestamps | grep -i -- 'ERROR x'")
  })

  test('directories, uploads and removal', () => {
    expect(argv(accessoryCmd.directories(config, mysql, { home: '/root' })!)).toEqual([
      'mkdir',
      '-p',
      '/root/app-mysql/data',
      '/mnt/backups',
    ])
    expect(accessoryCmd.directories(config, accessory(), { home: '/root' })).toBeUndefined()
    expect(accessoryCmd.filePath(mysql, '/root', '/etc/mysql/my.cnf')).toBe('/root/app-mysql/etc/mysql/my.cnf')
    expect(argv(accessoryCmd.uploadFile('/root/app-mysql/etc/mysql/my.cnf')).slice(2)).toEqual([
      'mkdir -p "$(dirname "$1")" && cat > "$1" && chmod 755 "$1"',
      'sh',
      '/root/app-mysql/etc/mysql/my.cnf',
    ])
    expect(argv(accessoryCmd.removeContainer(config, mysql))).toEqual([
      'docker',
      'container',
      'prune',
      '--force',
      '--filter',
      'label=service=app-mysql',
    ])
    expect(argv(accessoryCmd.remove(config, mysql, { home: '/root' })).slice(3)).toEqual([
      'sh',
      'app-mysql',
      'mysql:8.0',
      '/root/app-mysql',
    ])
  })
})

describe('accessory.bootPrepare', () => {
  test('env file path, then directories: relative ones under <service>/, absolute ones as written', () => {
    expect(argv(accessoryCmd.bootPrepare(config, mysql)).slice(3)).toEqual([
      'sh',
      'app-mysql',
      '.kamal/env/accessories/app-mysql.env',
      'app-mysql/data',
      '/mnt/backups',
    ])
  })

  test('real sh: writes stdin as a 600 env file, makes the directories, prints the home it ran in and no container state', () => {
    const home = mkdtempSync(join(tmpdir(), 'acc-prepare-'))
    const command = accessoryCmd.bootPrepare(
      config,
      accessory({
        directories: [
          { host: './data', container: '/d' },
          { host: 'a b/c', container: '/e' },
        ],
      }),
    )
    // A `docker` on PATH that knows no such container, as on a host without the accessory.
    const bin = mkdtempSync(join(tmpdir(), 'acc-bin-'))
    writeFileSync(join(bin, 'docker'), '#!/bin/sh\necho "Error: No such container: $5" >&2; exit 1\n', { mode: 0o755 })
    const out = execFileSync('sh', ['-c', render(command, { redact: false })], {
      cwd: home,
      input: "PW=it's $x\n",
      encoding: 'utf8',
      env: { ...process.env, PATH: `${bin}:${process.env.PATH}` },
    })
    expect(out).toBe(`home=${home}\nstate=\n`)
    expect(accessoryCmd.parsePrepare(out)).toEqual({ home, state: undefined })
    const envFile = join(home, '.kamal/env/accessories/app-mysql.env')
    expect(readFileSync(envFile, 'utf8')).toBe("PW=it's $x\n")
    expect(statSync(envFile).mode & 0o777).toBe(0o600)
    expect(statSync(join(home, 'app-mysql/data')).isDirectory()).toBe(true)
    expect(statSync(join(home, 'app-mysql/a b/c')).isDirectory()).toBe(true)
    // The same container name reaches docker inspect, and its answer comes back as state=.
    writeFileSync(
      join(bin, 'docker'),
      '#!/bin/sh\n[ "$*" = "container inspect --format {{.State.Status}} app-mysql" ] && echo running\n',
    )
    const again = execFileSync('sh', ['-c', render(command, { redact: false })], {
      cwd: home,
      input: '',
      encoding: 'utf8',
      env: { ...process.env, PATH: `${bin}:${process.env.PATH}` },
    })
    expect(accessoryCmd.parsePrepare(again)).toEqual({ home, state: 'running' })
  })

  test('parsePrepare reads home and state, and rejects output without home=', () => {
    expect(accessoryCmd.parsePrepare('x\nhome=/root\r\nstate=running\n')).toEqual({ home: '/root', state: 'running' })
    expect(() => accessoryCmd.parsePrepare('oops')).toThrow('unexpected accessory prepare output: "oops"')
  })
})
