import { Listr } from 'listr2'
import { describe, expect, test } from 'vitest'
import { proxy, traefik } from '../../cli/proxy.ts'
import { proxyDriver } from '../../lib/proxy/index.ts'
import { render } from '../../lib/shell/command.ts'
import { makeConfig } from '../support/config.ts'
import { invoke } from '../support/cli.ts'
import { recordingContext } from '../support/context.ts'

describe('proxy command line', () => {
  test('logs options reach the logs task', async () => {
    const config = makeConfig(YML)
    const { ctx, log } = recordingContext({ config })
    const { steps } = invoke(proxy, ['logs', '-n', '50', '-s', '10m', '-g', 'GET /', '--grep-options=-i'])
    await new Listr(steps, { ctx, renderer: 'silent' }).run()
    const logs = proxyDriver(config).logs(config, {
      lines: 50,
      since: '10m',
      grep: 'GET /',
      grepOptions: '-i',
      follow: false,
    })
    expect(log).toEqual([`1.1.1.1: ${render(logs, { redact: true })}`])
  })
  test('errors name the problem', () => {
    expect(() => invoke(proxy, [])).toThrow(
      'missing subcommand: use one of boot, reboot, start, stop, restart, details, logs, remove (see --help)',
    )
    expect(() => invoke(proxy, ['reload'])).toThrow('unknown subcommand reload')
    expect(() => invoke(proxy, ['logs', '-n', 'ten'])).toThrow('--lines must be a whole number, got ten')
    expect(() => invoke(proxy, ['details', 'extra'])).toThrow('proxy details takes no arguments, got also: extra')
  })
})

const YML = `service: app
image: dhh/app
registry: { server: r.example.com, username: u, password: [KAMAL_REGISTRY_PASSWORD] }
servers:
  web: [1.1.1.1]
`

describe('proxy and traefik steps', () => {
  test('traefik refuses a caddy config before touching a host', async () => {
    const { ctx, log } = recordingContext({ config: makeConfig(`${YML}proxy: { kind: caddy, image: c }\n`) })
    await expect(new Listr(invoke(traefik, ['stop']).steps, { ctx, renderer: 'silent' }).run()).rejects.toThrow(
      'proxy.kind is caddy: use `slipway proxy stop`',
    )
    expect(log).toEqual([])
  })
  test('changing subcommands take the deploy lock; details does not', async () => {
    const { ctx, log } = recordingContext({ config: makeConfig(YML) })
    await new Listr(invoke(proxy, ['stop']).steps, { ctx, renderer: 'silent' }).run()
    expect(log[0]).toMatch(/^1\.1\.1\.1: .*mkdir .*locks/)
    expect(
      log.some((l) => l.startsWith('1.1.1.1: sh audit-record.sh ') && l.endsWith('&& docker container stop traefik')),
    ).toBe(true)
    const other = recordingContext({ config: makeConfig(YML) })
    await new Listr(invoke(traefik, ['details']).steps, { ctx: other.ctx, renderer: 'silent' }).run()
    expect(other.log).toEqual(["1.1.1.1: docker ps --filter 'name=^traefik$'"])
  })
})
