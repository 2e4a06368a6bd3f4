import { Listr } from 'listr2'
import { describe, expect, test } from 'vitest'
import * as app from '../../lib/commands/app.ts'
import * as health from '../../lib/commands/health.ts'
import * as lock from '../../lib/commands/lock.ts'
import type { DeployTask, Flags } from '../../lib/context.ts'
import { DeployError, HostsError } from '../../lib/errors.ts'
import { render, type Command } from '../../lib/shell/command.ts'
import {
  appContainers,
  appDetails,
  appImages,
  appLogs,
  appVersion,
  removeApp,
  staleContainers,
  startApp,
  stopApp,
} from '../../tasks/steps/app-commands.ts'
import { checkVersionAvailable, rollbackSteps, VersionNotAvailableError } from '../../tasks/steps/rollback.ts'
import { makeConfig, role } from '../support/config.ts'
import { auditText, recordingContext, type Reply } from '../support/context.ts'
import { invoke } from '../support/cli.ts'
import { app as appCommand } from '../../cli/app.ts'
import { rollback, rollbackVersion } from '../../cli/rollback.ts'
import { parseInvocation } from '../../lib/cli/flags.ts'

// web on 1.1.1.1 and 1.1.1.2 (primary role), workers on 1.1.1.3; the recording context's version is v2.
const YML = `service: app
image: dhh/app
registry: { server: registry.example.com, username: user, password: [KAMAL_REGISTRY_PASSWORD] }
servers:
  web: [1.1.1.1, 1.1.1.2]
  workers: { hosts: [1.1.1.3], cmd: bin/jobs }
stop_wait_time: 3
`
const config = makeConfig(YML, { env: { KAMAL_REGISTRY_PASSWORD: 'registry-pw' } })
const web = role(config, 'web')
const workers = role(config, 'workers')
const r = (c: Command): string => render(c, { redact: true })

// bootPrepare's answer (no current container), and the ready wait's.
const booting: Reply = (l) =>
  l.includes('sh boot-prepare.sh ')
    ? { stdout: 'home=/root\ncurrent=\ncurrent_version=\n' }
    : l.includes('sh health-wait.sh ')
      ? { stdout: 'healthy\n' }
      : undefined

function setup({ reply, flags }: { reply?: Reply; flags?: Partial<Flags> } = {}) {
  const { ctx, log } = recordingContext({ config, reply, flags })
  const run = (tasks: DeployTask[]) => new Listr(tasks, { ctx, renderer: 'silent' }).run()
  return { ctx, log, run }
}
const hostLines = (log: string[], host: string): string[] => log.filter((l) => l.startsWith(`${host}: `))
const appSteps = (...argv: string[]) => invoke(appCommand, argv).steps

describe('start and stop', () => {
  test('start: docker start of this version, then the ready wait, per role on each host', async () => {
    const { log, run } = setup({
      reply: (l) => (l.includes('sh health-wait.sh ') ? { stdout: 'healthy\n' } : undefined),
    })
    await run([startApp()])
    for (const host of ['1.1.1.1', '1.1.1.2']) {
      expect(hostLines(log, host)).toEqual([
        `${host}: ${auditText(config, 'Started app version v2', 'web')} && docker start app-web-v2`,
        `${host}: ${r(health.waitHealthy(config, web, 'app-web-v2'))}`,
      ])
    }
    expect(hostLines(log, '1.1.1.3')).toEqual([
      `1.1.1.3: ${auditText(config, 'Started app version v2', 'workers')} && docker start app-workers-v2`,
      `1.1.1.3: ${r(health.waitHealthy(config, workers, 'app-workers-v2'))}`,
    ])
  })

  test('start: a container that is not ready fails its host, the others still start', async () => {
    const { log, run } = setup({
      reply: (l) =>
        l.includes('sh health-wait.sh ')
          ? l.startsWith('1.1.1.2')
            ? { stdout: 'unhealthy\n', exitCode: 1 }
            : { stdout: 'healthy\n' }
          : undefined,
    })
    const error = await run([startApp()]).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(HostsError)
    expect((error as Error).message).toBe('1.1.1.2: app-web-v2 started but is not ready (unhealthy)')
    expect(log.filter((l) => l.includes('docker start'))).toHaveLength(3)
  })

  test('stop: the current container of each role, with stop_wait_time', async () => {
    const { log, run } = setup()
    await run([stopApp()])
    expect(log.sort()).toEqual([
      `1.1.1.1: ${auditText(config, 'Stopped app', 'web')} && ${r(app.stopCurrent(config, web))}`,
      `1.1.1.2: ${auditText(config, 'Stopped app', 'web')} && ${r(app.stopCurrent(config, web))}`,
      `1.1.1.3: ${auditText(config, 'Stopped app', 'workers')} && ${r(app.stopCurrent(config, workers))}`,
    ])
    expect(r(app.stopCurrent(config, web))).toMatch(/\| xargs -r docker stop -t 3$/)
  })

  test('stop holds the deploy lock on the primary host around the stops', async () => {
    const { log, run } = setup()
    await run(appSteps('stop'))
    expect(log[0]).toMatch(/^1\.1\.1\.1: sh -c 'mkdir -p "\$1" && mkdir "\$2"/)
    expect(log.at(-1)).toBe(`1.1.1.1: ${r(lock.release(config))}`)
    expect(log.slice(1, -1).sort()).toEqual([
      `1.1.1.1: ${auditText(config, 'Stopped app', 'web')} && ${r(app.stopCurrent(config, web))}`,
      `1.1.1.2: ${auditText(config, 'Stopped app', 'web')} && ${r(app.stopCurrent(config, web))}`,
      `1.1.1.3: ${auditText(config, 'Stopped app', 'workers')} && ${r(app.stopCurrent(config, workers))}`,
    ])
  })
})

describe('read-only commands report per host, in host order, without the lock', () => {
  test('details: docker ps per role', async () => {
    const { ctx, log, run } = setup({ reply: (l) => ({ stdout: `ps of ${l.split(':')[0]}\n` }) })
    await run([appDetails()])
    expect(log.sort()).toEqual([
      `1.1.1.1: ${r(app.details(config, web))}`,
      `1.1.1.2: ${r(app.details(config, web))}`,
      `1.1.1.3: ${r(app.details(config, workers))}`,
    ])
    expect(ctx.report.lines).toEqual([
      'Host: 1.1.1.1 (web)\nps of 1.1.1.1\n',
      'Host: 1.1.1.2 (web)\nps of 1.1.1.2\n',
      'Host: 1.1.1.3 (workers)\nps of 1.1.1.3\n',
    ])
  })

  test('containers and images: one block per host', async () => {
    const { ctx, log, run } = setup({ flags: { hosts: ['1.1.1.3'] }, reply: () => ({ stdout: 'listing\n' }) })
    await run([appContainers(), appImages()])
    expect(log).toEqual([
      `1.1.1.3: ${r(app.containers(config))}`,
      '1.1.1.3: docker image ls registry.example.com/dhh/app',
    ])
    expect(ctx.report.lines).toEqual(['Host: 1.1.1.3\nlisting\n', 'Host: 1.1.1.3\nlisting\n'])
  })

  test('version: the current version of the first role on each host, or (none)', async () => {
    const { ctx, log, run } = setup({ reply: (l) => (l.startsWith('1.1.1.2') ? undefined : { stdout: 'v1\n' }) })
    await run([appVersion()])
    expect(log.sort()).toEqual([
      `1.1.1.1: ${r(app.currentRunningVersion(config, web))}`,
      `1.1.1.2: ${r(app.currentRunningVersion(config, web))}`,
      `1.1.1.3: ${r(app.currentRunningVersion(config, workers))}`,
    ])
    expect(ctx.report.lines).toEqual(['Host: 1.1.1.1\nv1\n', 'Host: 1.1.1.2\n(none)\n', 'Host: 1.1.1.3\nv1\n'])
  })

  test('logs: 100 lines by default; all lines with --since or --grep; no match or nothing running is "Nothing found"', async () => {
    const { ctx, log, run } = setup({
      flags: { hosts: ['1.1.1.1'] },
      reply: (l) =>
        l.includes('grep')
          ? { exitCode: 1 }
          : l.includes('10m')
            ? { exitCode: 1, stderr: 'no running container\n' }
            : { stdout: 'GET /up\n' },
    })
    await run([appLogs(), appLogs({ grep: 'boom', grepOptions: '-i' }), appLogs({ since: '10m' })])
    expect(log).toEqual([
      `1.1.1.1: ${r(app.logs(config, web, { lines: 100 }))}`,
      `1.1.1.1: ${r(app.logs(config, web, { grep: 'boom', grepOptions: '-i' }))}`,
      `1.1.1.1: ${r(app.logs(config, web, { since: '10m' }))}`,
    ])
    expect(log[1]).toMatch(/ \| grep -i -- boom$/)
    expect(ctx.report.lines).toEqual([
      'Host: 1.1.1.1 (web)\nGET /up\n',
      'Host: 1.1.1.1 (web)\nNothing found\n',
      'Host: 1.1.1.1 (web)\nNothing found\n',
    ])
  })

  test('logs: a real failure is an error, and the hosts that answered are still reported', async () => {
    const { ctx, run } = setup({
      flags: { roles: ['web'] },
      reply: (l) =>
        l.startsWith('1.1.1.2') ? { exitCode: 255, stderr: 'Cannot connect to the Docker daemon' } : { stdout: 'ok\n' },
    })
    await expect(run([appLogs()])).rejects.toThrow('Cannot connect to the Docker daemon')
    expect(ctx.report.lines).toEqual(['Host: 1.1.1.1 (web)\nok\n'])
  })

  test('stale_containers lists; --stop stops them under the lock', async () => {
    const { ctx, log, run } = setup({
      flags: { hosts: ['1.1.1.1'] },
      reply: (l) => (l.includes('sh stale-containers.sh ') ? { stdout: 'v0\nv1\n' } : undefined),
    })
    await run([staleContainers()])
    expect(log).toEqual([`1.1.1.1: ${r(app.staleContainers(config, web))}`])
    expect(ctx.report.lines).toEqual([
      'Host: 1.1.1.1 (web)\nStale container for role web with version v0\nStale container for role web with version v1\n',
    ])
    log.length = 0
    await run(appSteps('stale_containers', '--stop'))
    expect(log.slice(1, -1)).toEqual([`1.1.1.1: ${r(app.staleContainers(config, web, { stop: true }))}`])
    expect(log.at(-1)).toBe(`1.1.1.1: ${r(lock.release(config))}`)
    expect(ctx.report.lines.at(-1)).toContain('Stopped stale container for role web with version v0')
  })
})

test('remove: stop current and stale, prune the role, then the images; under the lock', async () => {
  const { log, run } = setup({ flags: { hosts: ['1.1.1.3'] } })
  await run(appSteps('remove'))
  // -h 1.1.1.3 makes it the primary host: the lock lives there.
  expect(log.slice(1, -1)).toEqual([
    `1.1.1.3: ${auditText(config, 'Removed app', 'workers')} && ${r(app.stopCurrent(config, workers))}`,
    `1.1.1.3: ${r(app.staleContainers(config, workers, { stop: true }))}`,
    '1.1.1.3: docker container prune --force --filter label=service=app --filter label=role=workers',
    '1.1.1.3: docker image prune --all --force --filter label=service=app',
  ])
  expect(log.at(-1)).toBe(`1.1.1.3: ${r(lock.release(config))}`)
})

test('boot: lock, boot this version, tag latest', async () => {
  const { log, run } = setup({ flags: { hosts: ['1.1.1.3'] }, reply: booting })
  await run(appSteps('boot'))
  expect(log.some((l) => l.includes('docker run --detach') && l.includes('--name app-workers-v2'))).toBe(true)
  expect(log.at(-2)).toMatch(
    /^1\.1\.1\.3: sh audit-record\.sh .* '\[[\dT:Z-]+\] \[tester@example\.com\] Tagging registry\.example\.com\/dhh\/app:v2 as the latest image' && docker tag registry\.example\.com\/dhh\/app:v2 registry\.example\.com\/dhh\/app:latest$/,
  )
  expect(log.at(-1)).toBe(`1.1.1.3: ${r(lock.release(config))}`)
})

test('subcommands and flags are checked before anything runs', () => {
  expect(() => appSteps()).toThrow(
    new DeployError(
      'missing subcommand: use one of boot, start, stop, details, exec, containers, images, logs, version, stale_containers, remove (see --help)',
    ),
  )
  expect(() => appSteps('reboot')).toThrow('unknown subcommand reboot')
  expect(() => appSteps('logs', '-n', '1e3')).toThrow('--lines must be a whole number, got 1e3')
})

describe('rollback', () => {
  const present = (l: string) => (l.includes(': docker container ls --all') ? { stdout: 'abc123\n' } : undefined)

  test('checks a container of VERSION exists for every role on every host, then boots it under the lock', async () => {
    const { log, run } = setup({ reply: (l) => present(l) ?? booting(l) })
    await run(rollbackSteps())
    const checks = log.filter((l) => l.includes(': docker container ls --all'))
    expect(checks.sort()).toEqual([
      "1.1.1.1: docker container ls --all --filter 'name=^app-web-v2$' --quiet",
      "1.1.1.2: docker container ls --all --filter 'name=^app-web-v2$' --quiet",
      "1.1.1.3: docker container ls --all --filter 'name=^app-workers-v2$' --quiet",
    ])
    // Every check answered before the first host is touched.
    expect(log.findIndex((l) => l.includes('sh boot-prepare.sh '))).toBeGreaterThan(
      log.findLastIndex((l) => l.includes(': docker container ls --all')),
    )
    const tags = log.filter((l) => l.includes('docker tag')).sort()
    expect(tags.map((l) => l.replace(/ sh audit-record\.sh .* && docker tag/, ' docker tag'))).toEqual(
      ['1.1.1.1', '1.1.1.2', '1.1.1.3'].map(
        (h) => `${h}: docker tag registry.example.com/dhh/app:v2 registry.example.com/dhh/app:latest`,
      ),
    )
    expect(log.at(-1)).toBe(`1.1.1.1: ${r(lock.release(config))}`)
  })

  test('a version missing anywhere changes nothing, names every gap and releases the lock', async () => {
    const { ctx, log, run } = setup({
      reply: (l) => (l.startsWith('1.1.1.2') || l.startsWith('1.1.1.3') ? undefined : present(l)),
    })
    const error = await run(rollbackSteps()).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(VersionNotAvailableError)
    expect((error as Error).message).toBe(
      "the app version 'v2' is not available as a container: no app-web-v2 on 1.1.1.2, no app-workers-v2 on 1.1.1.3 (`slipway app containers` lists the versions there are)",
    )
    expect(
      log.some((l) => l.includes('docker run') || l.includes('docker tag') || l.includes('sh boot-prepare.sh ')),
    ).toBe(false)
    expect(log.at(-1)).toBe(`1.1.1.1: ${r(lock.release(config))}`)
    expect(ctx.found.holdingLock).toBe(false)
  })

  test('checkVersionAvailable on its own asks each host once per role', async () => {
    const { log, run } = setup({ flags: { roles: ['workers'] }, reply: present })
    await run([checkVersionAvailable()])
    expect(log).toEqual(["1.1.1.3: docker container ls --all --filter 'name=^app-workers-v2$' --quiet"])
  })

  test('the version is the positional VERSION (or --version), exactly one', () => {
    const version = (...argv: string[]) => {
      const parsed = parseInvocation(argv, rollback)
      if (parsed.help) throw new Error('help')
      return rollbackVersion(parsed)
    }
    expect(version('abc123')).toBe('abc123')
    expect(version('--version', 'def456')).toBe('def456')
    expect(version('abc', '--version', 'abc')).toBe('abc')
    expect(() => version()).toThrow('rollback needs the VERSION to go back to')
    expect(() => version('a', 'b')).toThrow('rollback takes VERSION, got also: b')
    expect(() => version('a', '--version', 'b')).toThrow('rollback to a or to --version b? Give one')
  })
})
