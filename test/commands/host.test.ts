import { describe, expect, test } from 'vitest'
import * as docker from '../../lib/commands/docker.ts'
import * as server from '../../lib/commands/server.ts'
import * as registry from '../../lib/commands/registry.ts'
import { logs } from '../../lib/commands/logs.ts'
import { argv, render, Secret } from '../../lib/shell/command.ts'
import { runWithFakeDocker } from './fake-docker.ts'
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
