import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Listr } from 'listr2'
import { describe, expect, test } from 'vitest'
import * as caddy from '../../lib/commands/caddy.ts'
import * as caddyAdmin from '../../lib/commands/caddy-admin.ts'
import * as traefik from '../../lib/commands/traefik.ts'
import type { DeployContext, DeployTask } from '../../lib/context.ts'
import { HostsError } from '../../lib/errors.ts'
import { and, argv, cmd, or, render, type Command } from '../../lib/shell/command.ts'
import * as caddyBoot from '../../lib/commands/caddy-boot.ts'
import { andAll } from '../../lib/commands/args.ts'
import * as docker from '../../lib/commands/docker.ts'
import * as registry from '../../lib/commands/registry.ts'
import {
  bootProxy,
  proxyDetails,
  proxyLogs,
  rebootProxy,
  removeProxy,
  restartProxy,
  startProxy,
  stopProxy,
} from '../../tasks/steps/proxy.ts'
import { makeConfig } from '../support/config.ts'
import { auditText, recordingContext, type Reply } from '../support/context.ts'

// web (proxied) on 1.1.1.1 and 1.1.1.2, workers (not proxied) on 1.1.1.3: proxy tasks touch only the first two.
const YML = `service: app
image: dhh/app
registry: { server: registry.example.com, username: user, password: [KAMAL_REGISTRY_PASSWORD] }
servers:
  web: [1.1.1.1, 1.1.1.2]
  workers: { hosts: [1.1.1.3], cmd: bin/jobs }
`
const CADDY = `${YML}proxy: { kind: caddy, image: registry.example.com/caddy:2.6 }\n`
const PW = { KAMAL_REGISTRY_PASSWORD: 'registry-pw', TRAEFIK_TOKEN: 'token-secret' }

const r = (c: Command): string => render(c, { redact: true })
const run = (ctx: DeployContext, task: DeployTask) => new Listr([task], { ctx, renderer: 'silent' }).run()

function setup(
  yml: string,
  { reply, root, flags }: { reply?: Reply; root?: string; flags?: Partial<DeployContext['flags']> } = {},
) {
  const config = makeConfig(yml, { env: PW, ...(root ? { root } : {}) })
  return recordingContext({ config, reply, flags })
}

describe('bootProxy', () => {
  test('traefik: login and start-or-run on each proxy host only, password on stdin', async () => {
    const { ctx, log } = setup(YML)
    await run(ctx, bootProxy())
    const boot = r(andAll(registry.login(ctx.config), traefik.startOrRun(ctx.config)))
    expect(log.sort()).toEqual([`1.1.1.1: ${boot} (stdin)`, `1.1.1.2: ${boot} (stdin)`])
    expect(log.join('\n')).not.toContain('registry-pw')
  })

  test('traefik: no second login on a host this run already logged in; the others log in and are recorded', async () => {
    const { ctx, log } = setup(YML)
    ctx.found.loggedIn.add('1.1.1.1')
    await run(ctx, bootProxy())
    const boot = r(andAll(registry.login(ctx.config), traefik.startOrRun(ctx.config)))
    expect(log.sort()).toEqual([`1.1.1.1: ${r(traefik.startOrRun(ctx.config))}`, `1.1.1.2: ${boot} (stdin)`])
    expect([...ctx.found.loggedIn].sort()).toEqual(['1.1.1.1', '1.1.1.2'])
  })

  test("traefik: secret env goes to traefik's env file from stdin first", async () => {
    const { ctx, log } = setup(`${YML}traefik: { env: { secret: [TRAEFIK_TOKEN] } }\n`, {
      flags: { hosts: ['1.1.1.1'] },
    })
    await run(ctx, bootProxy())
    expect(log[0]).toBe(
      '1.1.1.1: sh -c \'umask 077 && mkdir -p "$(dirname "$1")" && cat > "$1" && chmod 600 "$1"\' sh .kamal/env/traefik/traefik.env (stdin)',
    )
    expect(log).toHaveLength(2)
    expect(log.join('\n')).not.toContain('token-secret')
  })

  test('caddy: one round trip per host (caddy.json; a load where it runs, else network, login, start or run, ready), password on stdin only', async () => {
    const { ctx, log } = setup(CADDY, {
      reply: (l) => (l.startsWith('1.1.1.1') ? { stdout: '/root/.kamal/proxy\nlogged-in\nready\n' } : undefined),
    })
    await run(ctx, bootProxy())
    const boot = r(caddyBoot.boot(ctx.config))
    const dir = '.kamal/proxy'
    const full = andAll(
      docker.networkEnsure('slipway'),
      registry.login(ctx.config),
      cmd('echo', 'logged-in'),
      caddy.startOrRunIn(ctx.config, dir),
      caddyAdmin.waitReady(dir),
    )
    expect(boot).toBe(r(and(caddy.apply(dir, undefined), or(caddyAdmin.reloadRunning(ctx.config, dir), full))))
    expect(log.sort()).toEqual([`1.1.1.1: ${boot} (stdin)`, `1.1.1.2: ${boot} (stdin)`])
    expect(log.join('\n')).not.toContain('registry-pw')
    // Only the host whose script ran a login counts as logged in.
    expect([...ctx.found.loggedIn]).toEqual(['1.1.1.1'])
  })

  test('caddy: a host this run already logged in gets no docker login and no password', async () => {
    const { ctx, log } = setup(CADDY, { flags: { hosts: ['1.1.1.1'] } })
    ctx.found.loggedIn.add('1.1.1.1')
    await run(ctx, bootProxy())
    expect(log).toEqual([`1.1.1.1: ${r(caddyBoot.boot(ctx.config, { login: false }))}`])
    expect(log[0]).not.toContain('docker login')
  })

  test('every host runs to completion; failures come together', async () => {
    const { ctx, log } = setup(YML, {
      reply: (l) => (l.startsWith('1.1.1.1') ? { exitCode: 1, stderr: 'no space left' } : undefined),
    })
    const error = await run(ctx, bootProxy()).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(HostsError)
    expect((error as HostsError).message).toContain('no space left')
    expect(log.filter((l) => l.startsWith('1.1.1.2'))).toHaveLength(1)
  })
})

describe('rebootProxy', () => {
  function withHooks(names: string[]): string {
    const root = mkdtempSync(join(tmpdir(), 'slipway-proxy-hooks-'))
    mkdirSync(join(root, '.kamal/hooks'), { recursive: true })
    for (const name of names) {
      writeFileSync(join(root, '.kamal/hooks', name), '#!/bin/sh\n')
      chmodSync(join(root, '.kamal/hooks', name), 0o755)
    }
    return root
  }
  const steps = (ctx: DeployContext, host: string): string[] => [
    `${host}: ${auditText(ctx.config, 'Rebooted traefik')}`,
    `${host}: ${r(registry.login(ctx.config))} (stdin)`,
    `${host}: ${r(traefik.stop())}`,
    `${host}: ${r(traefik.removeContainer())}`,
    `${host}: ${r(traefik.run(ctx.config))}`,
  ]

  test('--rolling: one host at a time, traefik hooks around each', async () => {
    const root = withHooks(['pre-traefik-reboot', 'post-traefik-reboot', 'pre-proxy-reboot'])
    const { ctx, log } = setup(YML, { root })
    await run(ctx, rebootProxy({ rolling: true }))
    const pre = `localhost: ${join(root, '.kamal/hooks/pre-traefik-reboot')}`
    const post = `localhost: ${join(root, '.kamal/hooks/post-traefik-reboot')}`
    expect(log).toEqual([pre, ...steps(ctx, '1.1.1.1'), post, pre, ...steps(ctx, '1.1.1.2'), post])
  })

  test('all hosts at once, hooks once; caddy uses the proxy hooks', async () => {
    const root = withHooks(['pre-traefik-reboot', 'pre-proxy-reboot', 'post-proxy-reboot'])
    const { ctx, log } = setup(CADDY, { root })
    await run(ctx, rebootProxy())
    expect(log[0]).toBe(`localhost: ${join(root, '.kamal/hooks/pre-proxy-reboot')}`)
    expect(log.at(-1)).toBe(`localhost: ${join(root, '.kamal/hooks/post-proxy-reboot')}`)
    // One round trip per host: login, stop, remove, run with the config dir, ready.
    const reboot = r(caddyBoot.reboot(ctx.config))
    expect(reboot).toBe(
      r(
        andAll(
          docker.networkEnsure('slipway'),
          caddy.apply('.kamal/proxy', undefined),
          registry.login(ctx.config),
          cmd('echo', 'logged-in'),
          or(caddy.stop(), cmd('true')),
          caddy.removeContainer(),
          caddy.runIn(ctx.config, '.kamal/proxy'),
          caddyAdmin.waitReady('.kamal/proxy'),
        ),
      ),
    )
    const audited = auditText(ctx.config, 'Rebooted proxy')
    expect(log.slice(1, -1).sort()).toEqual(
      [`1.1.1.1: ${audited}`, `1.1.1.1: ${reboot} (stdin)`, `1.1.1.2: ${audited}`, `1.1.1.2: ${reboot} (stdin)`].sort(),
    )
  })

  test('a failing pre hook stops the reboot before any host is touched', async () => {
    const root = withHooks([])
    writeFileSync(join(root, '.kamal/hooks/pre-traefik-reboot'), '#!/bin/sh\n')
    chmodSync(join(root, '.kamal/hooks/pre-traefik-reboot'), 0o755)
    const { ctx, log } = setup(YML, { root, reply: (l) => (l.startsWith('localhost') ? { exitCode: 4 } : undefined) })
    await expect(run(ctx, rebootProxy())).rejects.toThrow('hook pre-traefik-reboot failed with exit 4')
    expect(log).toHaveLength(1)
  })
})

test('caddy start waits until caddy serves its config', async () => {
  const { ctx, log } = setup(CADDY, { flags: { hosts: ['1.1.1.1'] } })
  await run(ctx, startProxy())
  expect(log).toEqual([
    `1.1.1.1: ${auditText(ctx.config, 'Started proxy')}`,
    `1.1.1.1: ${r(caddy.start())}`,
    `1.1.1.1: ${r(caddyAdmin.waitReady('.kamal/proxy'))}`,
  ])
  expect(argv(caddyAdmin.waitReady('.kamal/proxy'))[2]).toContain('tcp_migrate_req')
})

describe('simple subcommands', () => {
  // Each changing subcommand writes its audit line (Kamal 1.x words for traefik) before or with its command.
  type Audit = (line: string) => string
  test.each([
    ['start', startProxy(), (a: Audit) => [a('Started traefik'), 'docker container start traefik']],
    ['stop', stopProxy(), (a: Audit) => [`${a('Stopped traefik')} && docker container stop traefik`]],
    [
      'restart',
      restartProxy(),
      (a: Audit) => [
        `${a('Stopped traefik')} && docker container stop traefik && ${a('Started traefik')}`,
        'docker container start traefik',
      ],
    ],
    ['details', proxyDetails(), () => ["docker ps --filter 'name=^traefik$'"]],
    [
      'remove',
      removeProxy(),
      (a: Audit) => [
        `${a('Removed traefik container')} && ${a('Removed traefik image')}`,
        'docker container stop traefik',
        'docker container prune --force --filter label=org.opencontainers.image.title=Traefik',
        'docker image prune --all --force --filter label=org.opencontainers.image.title=Traefik',
      ],
    ],
  ])('%s', async (_, task, expected) => {
    const { ctx, log } = setup(YML, { flags: { hosts: ['1.1.1.2'] } })
    await run(ctx, task)
    const commands = expected((line) => auditText(ctx.config, line))
    expect(log).toEqual(commands.map((c) => `1.1.1.2: ${c}`))
  })

  test('logs: each host under its name, grep allowed to match nothing', async () => {
    const { ctx, log } = setup(CADDY, {
      reply: (l) => (l.startsWith('1.1.1.2') ? { exitCode: 1 } : { stdout: 'GET / 200\n' }),
    })
    await run(ctx, proxyLogs({ lines: 3, grep: 'GET' }))
    expect(log.sort()).toEqual(
      ['1.1.1.1', '1.1.1.2'].map(
        (h) => `${h}: sh -c 'docker logs "$@" 2>&1' sh slipway-proxy --tail 3 --timestamps | grep -- GET`,
      ),
    )
    expect(ctx.report.lines).toEqual(['Host: 1.1.1.1\nGET / 200\n', 'Host: 1.1.1.2\n(no output)\n'])
  })
})
