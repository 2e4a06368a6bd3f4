import { Listr } from 'listr2'
import { describe, expect, test } from 'vitest'
import { parseFlags } from '../../lib/cli/flags.ts'
import { parseProxyFlags, proxyEntry } from '../../lib/proxy/cli.ts'
import { proxySteps } from '../../tasks/steps/proxy.ts'
import { makeConfig } from '../support/config.ts'
import { recordingContext } from '../support/context.ts'

const flags = (...argv: string[]) => parseFlags(argv, proxyEntry('proxy'))

describe('parseProxyFlags', () => {
  test('logs options', () => {
    expect(parseProxyFlags(flags('logs', '-n', '50', '-s', '10m', '-g', 'GET /', '--grep-options=-i', '-f'))).toEqual({
      subcommand: 'logs',
      rolling: false,
      logs: { lines: 50, since: '10m', grep: 'GET /', grepOptions: '-i', follow: true },
    })
  })
  test('reboot --rolling', () => {
    expect(parseProxyFlags(flags('reboot', '--rolling'))).toMatchObject({ subcommand: 'reboot', rolling: true })
  })
  test('errors name the problem', () => {
    expect(() => parseProxyFlags(flags())).toThrow(
      'missing subcommand: use one of boot, reboot, start, stop, restart, details, logs, remove (see --help)',
    )
    expect(() => parseProxyFlags(flags('reload'))).toThrow('unknown subcommand reload')
    expect(() => parseProxyFlags(flags('logs', '-n', 'ten'))).toThrow('--lines must be a whole number, got ten')
  })
})

describe('proxySteps', () => {
  const YML = `service: app
image: dhh/app
registry: { server: r.example.com, username: u, password: [KAMAL_REGISTRY_PASSWORD] }
servers:
  web: [1.1.1.1]
`
  test('tasks/traefik.ts refuses a caddy config before touching a host', async () => {
    const { ctx, log } = recordingContext({ config: makeConfig(`${YML}proxy: { kind: caddy, image: c }\n`) })
    const steps = proxySteps('traefik', parseFlags(['stop'], proxyEntry('traefik')))
    await expect(new Listr(steps, { ctx, renderer: 'silent' }).run()).rejects.toThrow(
      'proxy.kind is caddy: use tasks/proxy.ts stop',
    )
    expect(log).toEqual([])
  })
  test('changing subcommands take the deploy lock; details does not', async () => {
    const { ctx, log } = recordingContext({ config: makeConfig(YML) })
    await new Listr(proxySteps('proxy', parseFlags(['stop'], proxyEntry('proxy'))), { ctx, renderer: 'silent' }).run()
    expect(log[0]).toMatch(/^1\.1\.1\.1: .*mkdir .*locks/)
    expect(log).toContain('1.1.1.1: docker container stop traefik')
    const other = recordingContext({ config: makeConfig(YML) })
    await new Listr(proxySteps('traefik', parseFlags(['details'], proxyEntry('traefik'))), {
      ctx: other.ctx,
      renderer: 'silent',
    }).run()
    expect(other.log).toEqual(["1.1.1.1: docker ps --filter 'name=^traefik$'"])
  })
})
