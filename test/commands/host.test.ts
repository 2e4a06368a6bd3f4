import { describe, expect, test } from 'vitest'
import * as docker from '../../lib/commands/docker.ts'
import * as server from '../../lib/commands/server.ts'
import * as registry from '../../lib/commands/registry.ts'
import { logs } from '../../lib/commands/logs.ts'
import { andAll } from '../../lib/commands/args.ts'
import { argv, cmd, render, Secret } from '../../lib/shell/command.ts'
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runWithFakeDocker, SHELLS } from './fake-docker.ts'
import { makeConfig, web } from './fixture.ts'

const config = makeConfig()

describe('docker and server', () => {
  test('engine checks', () => {
    expect(argv(docker.version())).toEqual(['docker', '--version'])
    expect(argv(docker.installed())).toEqual(['docker', '-v'])
    expect(argv(docker.running())).toEqual(['docker', 'version'])
    expect(argv(docker.info())).toEqual(['docker', 'info'])
    expect(render(docker.install(), { redact: true })).toBe(
      "{ curl -fsSL https://get.docker.com || wget -O - https://get.docker.com || echo 'exit 1'; } | sh",
    )
    expect(argv(docker.superuser()).slice(2)).toEqual([
      '[ "${EUID:-$(id -u)}" -eq 0 ] || command -v sudo >/dev/null || command -v su >/dev/null',
      'sh',
    ])
  })

  test('networks', () => {
    const ensure = docker.networkEnsure('slipway')
    expect(runWithFakeDocker(ensure, 'case $2 in inspect) exit 0 ;; esac').calls).toEqual([
      ['network', 'inspect', 'slipway'],
    ])
    expect(runWithFakeDocker(ensure, 'case $2 in inspect) exit 1 ;; esac').calls).toEqual([
      ['network', 'inspect', 'slipway'],
      ['network', 'create', 'slipway'],
    ])
  })

  test('bootstrap: docker -v and the run directory in one command', () => {
    expect(render(server.bootstrap(makeConfig({ runDirectory: '.slipway' })), { redact: true })).toBe(
      'docker -v && mkdir -p .slipway',
    )
  })
})

describe('registry', () => {
  test('login reads the password from stdin; no server means Docker Hub', () => {
    expect(argv(registry.login(config))).toEqual(['docker', 'login', '-u', 'user', '--password-stdin'])
    const cfg = makeConfig({
      registry: { server: '10.0.0.1:5000', username: new Secret('robot'), password: new Secret('pw') },
    })
    expect(argv(registry.login(cfg))).toEqual([
      'docker',
      'login',
      '10.0.0.1:5000',
      '-u',
      '[REDACTED]',
      '--password-stdin',
    ])
    expect(registry.passwordStdin(cfg)).toBe('pw')
    expect(argv(registry.logout(cfg))).toEqual(['docker', 'logout', '10.0.0.1:5000'])
  })
})

describe('registry.loginUnlessStored', () => {
  const cfg = makeConfig({
    registry: { server: '10.0.0.1:5000', username: new Secret('robot'), password: new Secret("p'w $x") },
  })
  // A docker config as `docker login` writes it (tabs, one key per line).
  const home = (auths: Record<string, unknown>) => {
    const dir = mkdtempSync(join(tmpdir(), 'slipway-login-'))
    mkdirSync(join(dir, '.docker'))
    writeFileSync(join(dir, '.docker/config.json'), JSON.stringify({ auths }, null, '\t'))
    return dir
  }
  const stored = Buffer.from("robot:p'w $x").toString('base64')
  // The fake docker keeps what `login` read on stdin, to show the password arrives whole.
  const fake = '[ "$1" = login ] && cat > "$HOME/stdin"; exit 0'

  test('names no secret: server and user are its arguments, the credentials come on stdin', () => {
    expect(render(registry.loginUnlessStored(cfg), { redact: true })).toBe(
      "sh login-unless-stored.sh 10.0.0.1:5000 '[REDACTED]'",
    )
    expect(registry.storedAuthStdin(cfg)).toBe(`${stored}\np'w $x`)
  })

  test.each(SHELLS.map((shell) => [shell.join(' '), shell] as const))(
    '%s: the same credentials stored for the registry: kept, docker is not called',
    (_, shell) => {
      const run = runWithFakeDocker(registry.loginUnlessStored(cfg), fake, {
        shell,
        home: home({ 'other:5000': { auth: 'eA==' }, '10.0.0.1:5000': { auth: stored } }),
        stdin: registry.storedAuthStdin(cfg),
      })
      expect([run.code, run.stdout, run.calls]).toEqual([0, 'login=stored\n', []])
      expect(registry.loggedInFromStore(run.stdout)).toBe(true)
    },
  )

  test('kept: what runs after it in the same round trip never reads the password', () => {
    const run = runWithFakeDocker(andAll(registry.loginUnlessStored(cfg), cmd('cat')), fake, {
      home: home({ '10.0.0.1:5000': { auth: stored } }),
      stdin: registry.storedAuthStdin(cfg),
    })
    expect([run.code, run.stdout]).toEqual([0, 'login=stored\n'])
  })

  test('other credentials, another registry only, or no config: docker login, with the password alone on its stdin', () => {
    const other = Buffer.from('robot:old').toString('base64')
    for (const dir of [
      home({ '10.0.0.1:5000': { auth: other } }),
      home({ 'other:5000': { auth: stored } }),
      mkdtempSync(join(tmpdir(), 'slipway-login-')),
    ]) {
      const run = runWithFakeDocker(registry.loginUnlessStored(cfg), fake, {
        home: dir,
        stdin: registry.storedAuthStdin(cfg),
      })
      expect([run.code, run.calls]).toEqual([0, [['login', '10.0.0.1:5000', '-u', 'robot', '--password-stdin']]])
      expect(readFileSync(join(dir, 'stdin'), 'utf8')).toBe("p'w $x")
      expect(registry.loggedInFromStore(run.stdout)).toBe(false)
    }
  })

  test('Docker Hub: stored under its v1 URL; a failed login keeps its status', () => {
    const hub = makeConfig()
    const auth = Buffer.from(`user:${hub.registry.password.value}`).toString('base64')
    const kept = runWithFakeDocker(registry.loginUnlessStored(hub), fake, {
      home: home({ 'https://index.docker.io/v1/': { auth } }),
      stdin: registry.storedAuthStdin(hub),
    })
    expect([kept.code, kept.stdout]).toEqual([0, 'login=stored\n'])
    const failed = runWithFakeDocker(registry.loginUnlessStored(hub), 'echo unauthorized >&2; exit 1', {
      stdin: registry.storedAuthStdin(hub),
    })
    expect([failed.code, failed.calls, failed.stderr]).toEqual([
      1,
      [['login', '-u', 'user', '--password-stdin']],
      'unauthorized\n',
    ])
  })
})

describe('app logs', () => {
  test('of a named container', () => {
    expect(render(logs(config, web, { containerName: 'app-web-999', lines: 50 }), { redact: true })).toBe(
      'sh -c \'docker logs "$@" 2>&1\' sh --tail 50 app-web-999',
    )
  })

  test('of the current container, looked up in the same round trip, then grep', () => {
    const command = logs(config, web, { lines: 100, since: '10m', grep: 'get /', grepOptions: '-i' })
    expect(command.kind).toBe('pipe')
    const run = runWithFakeDocker(
      command,
      `case "$1 $2" in "ps --latest") echo c1 ;; "logs --since") printf 'GET /up\\nPOST /x\\n' ;; esac`,
    )
    expect(run.stdout).toBe('GET /up\n')
    expect(run.calls.at(-1)).toEqual(['logs', '--since', '10m', '--tail', '100', 'c1'])
    const none = runWithFakeDocker(logs(config, web, { follow: true, timestamps: true }), 'exit 0')
    expect([none.code, none.stderr]).toEqual([1, 'no running container\n'])
    const follow = runWithFakeDocker(
      logs(config, web, { follow: true, timestamps: true, lines: 10 }),
      `case "$1 $2" in "ps --latest") echo c1 ;; esac`,
    )
    expect(follow.calls.at(-1)).toEqual(['logs', '--tail', '10', '--timestamps', '--follow', 'c1'])
  })
})
