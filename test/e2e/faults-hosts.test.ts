import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest'
import { appRepo, SLIPWAY } from './support/app-repo.ts'
import {
  containers,
  editConfig,
  launch,
  lockHeld,
  moreVersions,
  served,
  server,
  serverBack,
  traffic,
  viaServer,
  withSsh,
} from './support/faults.ts'
import { readSandboxEnv, uniqueService } from './support/sandbox.ts'

// Servers that fail under a deploy: one that stops answering (a TCP black hole), one that dies, an
// address with no server, and two deploys at the same instant. Each run must end within a bound
// derived from the config below, say which host failed at which step, release the lock, keep the
// old version serving, leave nothing new running, and the run after the fault must succeed.
const sandbox = readSandboxEnv()
const [s1, s2, s3] = sandbox.servers as [string, string, string]
// Short: caddy dials a container by an alias made of its name in docker's DNS, and a DNS label holds 63 characters
// (`<service>-web-<40-hex version>`).
const app = appRepo({ service: uniqueService('fh') })

// The bounds: a silent host is lost after KEEPALIVE × MAXCOUNT s (seen within one interval more);
// a dial gives up after CONNECT s; a new container gets HEALTH s (1 + 2 + … + max_attempts) to be healthy.
const KEEPALIVE = 1
const MAXCOUNT = 3
const CONNECT = 3
const MAX_ATTEMPTS = 5
const HEALTH = (MAX_ATTEMPTS * (MAX_ATTEMPTS + 1)) / 2
// Starting node and tsx, git and the pull: the part of a run no fault changes (generous: 2 busy cores).
const OVERHEAD = 30

const deploy = (version: string) =>
  launch(
    [join(SLIPWAY, 'node_modules/.bin/tsx'), join(SLIPWAY, 'tasks/deploy.ts'), '--skip-push', '--version', version],
    {
      cwd: app.dir,
      env: app.env,
    },
  )
// Both web hosts print it: the second one means each of them is past its `docker run`.
const bothWaiting = (version: string) => {
  const line = `Waiting for ${app.service}-web-${version} to be healthy`
  return new RegExp(`${line}[\\s\\S]*${line}`)
}
const esc = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
// What a proxy serves before a fault: a version of the app, which it must keep serving through it.
const servedNow = async (proxy: string) => {
  const version = await served(proxy, app.service)
  expect(version).toMatch(/^[0-9a-f]{40}$|^f\d$/)
  return version
}
const running = async (host: string) => (await containers(app, host)).filter((c) => c.endsWith(' running'))
const web = (version: string) => `${app.service}-web-${version} running`

beforeAll(async () => {
  editConfig(app, (yml) =>
    withSsh(
      yml,
      `connect_timeout: ${CONNECT}\nkeepalive_interval: ${KEEPALIVE}\nkeepalive_maxcount: ${MAXCOUNT}`,
    ).replace('max_attempts: 10', `max_attempts: ${MAX_ATTEMPTS}`),
  )
  const v1 = await app.init()
  const first = await app.script('deploy')
  expect(first.code, first.stderr).toBe(0)
  await moreVersions(app, v1, ['f1', 'f2', 'f3', 'f4'])
}, 300_000)
let config = ''
beforeAll(() => editConfig(app, (yml) => (config = yml)))
// A scenario that failed half-way must not leave its fault for the next one.
afterEach(async () => {
  await server('unpause', s2, sandbox).catch(() => {})
  await server('start', s2, sandbox).catch(() => {})
  await serverBack(s2)
  editConfig(app, () => config)
})
afterAll(() => app.cleanup())

describe('faults on hosts', () => {
  test('a web host that stops answering mid-boot is lost within keepalive × count; the others finish; the next run routes what it left', async () => {
    const before = await servedNow(viaServer(s1))
    const load = traffic(app.service, [viaServer(s1)])
    const run = deploy('f1')
    await run.until(bothWaiting('f1'))
    await server('pause', s2, sandbox)
    const paused = Date.now()
    const end = await run.done
    await server('unpause', s2, sandbox)
    const seen = await load.stop()

    expect(end.code, end.output).toBe(1)
    expect((Date.now() - paused) / 1000).toBeLessThan(KEEPALIVE * (MAXCOUNT + 1) + HEALTH + 10)
    const lost = `${s2}: lost connection to root@${s2}:22 (no answer to ${MAXCOUNT} keepalives in ${KEEPALIVE * MAXCOUNT} s) while `
    const step = `(waiting for ${app.service}-web-f1 to be healthy|switching web to ${app.service}-web-f1)`
    expect(end.output).toMatch(new RegExp(esc(lost) + step))
    expect(await lockHeld(app, s1)).toBe(false)
    expect(
      seen.answers.filter((v) => v !== before && v !== 'f1'),
      `answers other than a version:\n${seen.odd.join('\n')}\n${end.output}`,
    ).toEqual([])
    // The hosts that answered finished: s1 serves f1, the workers host booted it.
    expect(await running(s1)).toEqual([web('f1')])
    expect(await running(s3)).toEqual([`${app.service}-workers-f1 running`])

    // The fault removed, the same deploy again: s2's container of the lost run is replaced and nothing is left running beside it.
    const again = await deploy('f1').done
    expect(again.code, again.output).toBe(0)
    for (const host of [s1, s2]) expect(await running(host)).toEqual([web('f1')])
    expect(await running(s3)).toEqual([`${app.service}-workers-f1 running`])
  })

  test('a host that dies mid-boot fails at once; when it is back, the next run succeeds and leaves one container running', async () => {
    // The new containers listen only after 3 s, so both hosts are surely inside their health wait when s2 dies
    // (a wait for a quick app lasts a fraction of a second, and the stop could land just after it).
    editConfig(app, (yml) => yml.replace('    GREETING: hello\n', '    GREETING: hello\n    DEMO_START_DELAY: "3"\n'))
    const before = await servedNow(viaServer(s1))
    const load = traffic(app.service, [viaServer(s1)])
    const run = deploy('f2')
    await run.until(bothWaiting('f2'))
    const stopped = Date.now()
    await server('stop', s2, sandbox)
    const end = await run.done
    const seen = await load.stop()

    expect(end.code, end.output).toBe(1)
    expect((end.seconds * 1000 + run.startedAt - stopped) / 1000).toBeLessThan(HEALTH + 10)
    expect(end.output).toMatch(new RegExp(esc(`${s2}: lost connection to root@${s2}:22 while waiting for `)))
    expect(await lockHeld(app, s1)).toBe(false)
    expect(
      seen.answers.filter((v) => v !== before && v !== 'f2'),
      seen.odd.join('\n'),
    ).toEqual([])

    await server('start', s2, sandbox)
    await serverBack(s2)
    const again = await deploy('f2').done
    expect(again.code, again.output).toBe(0)
    for (const host of [s1, s2]) expect(await running(host)).toEqual([web('f2')])
  })

  test('an address with no server fails within the connect timeout, before anything changes; without it the deploy succeeds', async () => {
    const nowhere = `${sandbox.raw['SANDBOX_SUBNET']!.replace(/\.0\/24$/, '')}.99`
    editConfig(app, (yml) => yml.replace(`      - ${s1}\n`, `      - ${s1}\n      - ${nowhere}\n`))
    const before = await servedNow(sandbox.lbUrl)
    const load = traffic(app.service, [sandbox.lbUrl])
    const end = await deploy('f3').done
    const seen = await load.stop()

    expect(end.code, end.output).toBe(1)
    expect(end.seconds).toBeLessThan(CONNECT + OVERHEAD)
    expect(end.output).toContain(`cannot connect to root@${nowhere}:22`)
    expect([...seen.versions], seen.odd.join('\n')).toEqual([before])
    // After the service name, which is random hex and may itself hold `-f3`.
    for (const host of [s1, s2, s3])
      expect((await containers(app, host)).filter((c) => c.slice(app.service.length).includes('-f3'))).toEqual([])
    expect(await lockHeld(app, s1)).toBe(false)

    editConfig(app, (yml) => yml.replace(`      - ${nowhere}\n`, ''))
    const again = await deploy('f3').done
    expect(again.code, again.output).toBe(0)
    for (const host of [s1, s2]) expect(await running(host)).toEqual([web('f3')])
  })

  test('two deploys started at the same instant: one deploys, the other stops at the lock naming its holder; nothing is half-booted', async () => {
    const before = await servedNow(sandbox.lbUrl)
    const load = traffic(app.service, [sandbox.lbUrl])
    const [a, b] = await Promise.all([deploy('f4').done, deploy('f4').done])
    const seen = await load.stop()

    expect([a.code, b.code].sort(), `${a.output}\n---\n${b.output}`).toEqual([0, 1])
    const loser = a.code === 1 ? a : b
    expect(loser.output).toContain(`deploy lock found on ${s1}`)
    expect(await lockHeld(app, s1)).toBe(false)
    expect(
      seen.answers.filter((v) => v !== before && v !== 'f4'),
      seen.odd.join('\n'),
    ).toEqual([])
    for (const host of [s1, s2]) expect(await running(host)).toEqual([web('f4')])
    expect(await running(s3)).toEqual([`${app.service}-workers-f4 running`])

    const again = await deploy('f4').done
    expect(again.code, again.output).toBe(0)
    for (const host of [s1, s2]) expect(await running(host)).toEqual([web('f4')])
  })
})
