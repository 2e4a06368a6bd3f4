import { Listr } from 'listr2'
import { describe, expect, test } from 'vitest'
import { pruneOld, tagAndPrune } from '../../tasks/steps/app.ts'
import { bootApp } from '../../tasks/steps/boot.ts'
import { withLock } from '../../tasks/steps/lock.ts'
import { HostLostError, HostsError, LockError } from '../../lib/errors.ts'
import { makeConfig } from '../support/config.ts'
import { recordingContext, type Reply } from '../support/context.ts'
import type { DeployTask } from '../../lib/context.ts'

// web on 1.1.1.1 and 1.1.1.2 (primary role), workers on 1.1.1.3; no proxy so the log shows boot alone.
const YML = `service: app
image: dhh/app
registry: { server: registry.example.com, username: user, password: [KAMAL_REGISTRY_PASSWORD] }
servers:
  workers:
    hosts: [1.1.1.3]
    cmd: bin/jobs
  web:
    hosts: [1.1.1.1, 1.1.1.2]
    traefik: false
healthcheck: { cmd: check }
`

const prepared = (line: string): boolean => line.includes('sh boot-prepare.sh ')
// bootPrepare's answer: the role's v1 container is the current one, and the only one running.
const current = (line: string) => {
  const role = line.includes(' app-workers ') ? 'workers' : 'web'
  return { stdout: `home=/root\nrunning=app-${role}-v1\ncurrent=app-${role}-v1\ncurrent_version=v1\n` }
}
const waits = (line: string): boolean => line.includes('sh health-wait.sh ')
const runs = (line: string): boolean =>
  / docker run /.test(` ${line.split(': ').slice(1).join(': ')} `) || line.includes(' && docker run ')
const creates = (line: string): boolean => line.includes(' && docker create ')
const starts = (line: string): boolean => /: docker start app-\w+-v2 && echo slipway:started && /.test(line)
// A wait's answer as the start-and-wait round trip prints it: the start's marker line, then the wait's status.
const waited = (status: string, exitCode = 0) => ({ stdout: `slipway:started\n${status}\n`, exitCode })
const removes = (line: string): boolean => line.includes('| xargs -r docker container rm')
/** What a recorded line does, for per-host sequences. */
const kind = (line: string): string =>
  creates(line)
    ? 'prepare+create'
    : prepared(line) && runs(line) && waits(line)
      ? 'prepare+run+wait'
      : prepared(line)
        ? 'prepare'
        : runs(line) && waits(line)
          ? 'run+wait'
          : starts(line) && waits(line)
            ? 'start+wait'
            : waits(line)
              ? 'wait'
              : removes(line)
                ? 'rm'
                : / docker stop /.test(line)
                  ? 'stop'
                  : line

// The retire step: every container of the role the prepare found running (here the old one, v1) is stopped.
const retired = (host: string, role: string): string => `${host}: docker stop app-${role}-v1`

// traefik routes web (1.1.1.1) and api (1.1.1.3): both containers carry a cord.
const YML_TRAEFIK = `service: app
image: dhh/app
registry: { server: registry.example.com, username: user, password: [KAMAL_REGISTRY_PASSWORD] }
servers:
  web: [1.1.1.1]
  api:
    hosts: [1.1.1.3]
    traefik: true
healthcheck: { cmd: check }
`

// The same, with workers also on 1.1.1.1 (after web there).
const YML_SHARED = YML.replace('hosts: [1.1.1.3]', 'hosts: [1.1.1.1, 1.1.1.3]')

/**
 * A boot that needs no barrier prepares, runs and waits in one round trip: its line is answered as
 * its two parts would be, the prepare's answer first, then the start's marker and the wait's (the
 * same reply function answers both parts, so each test says what the prepare and the wait print).
 */
const oneTrip =
  (reply: Reply): Reply =>
  async (line) => {
    if (!(prepared(line) && runs(line) && waits(line))) return reply(line)
    const host = line.split(': ')[0]!
    const at = line.indexOf(' && docker run ')
    const first = await reply(`${line.slice(0, at)} (stdin)`)
    if (first?.exitCode) return first
    const second = (await reply(`${host}: ${line.slice(at + ' && '.length)}`)) ?? {}
    const waitOut = second.stdout ?? ''
    // A failed `docker run` prints nothing and ends the chain before the marker.
    const marker = waitOut.startsWith('slipway:started\n') || (second.exitCode && !waitOut) ? '' : 'slipway:started\n'
    const stdout = `${first?.stdout ?? ''}${marker}${waitOut}`
    return { ...second, stdout }
  }

const runTree = (tasks: DeployTask[], reply: Reply, yml = YML) => {
  const { ctx, log, abort } = recordingContext({ config: makeConfig(yml), reply: oneTrip(reply) })
  return { log, abort, done: new Listr(tasks, { ctx, renderer: 'silent' }).run() }
}

describe('bootApp', () => {
  test('primary hosts and the primary role come first; workers create their container before the barrier opens and start it after', async () => {
    const order: string[] = []
    let workerCreated!: () => void
    const created = new Promise<void>((resolve) => (workerCreated = resolve))
    let atBarrier: string[] = []
    const { log, done } = runTree([bootApp()], async (line) => {
      const host = line.split(':')[0]!
      if (creates(line)) {
        order.push(`create ${host}`)
        workerCreated()
      }
      if (starts(line)) order.push(`start ${host}`)
      if (runs(line)) order.push(`run ${host}`)
      if (prepared(line)) return current(line)
      if (waits(line)) {
        // web on 1.1.1.1 opens the barrier once the worker's container is created; 1.1.1.2 is later.
        await created
        if (host === '1.1.1.2') await new Promise((r) => setTimeout(r, 30))
        if (host === '1.1.1.1') atBarrier = log.filter((l) => l.startsWith('1.1.1.3:'))
        order.push(`healthy ${host}`)
        return { stdout: 'healthy\n' }
      }
      return undefined
    })
    await done
    expect(order.indexOf('create 1.1.1.3')).toBeLessThan(order.indexOf('healthy 1.1.1.1'))
    expect(order.indexOf('start 1.1.1.3')).toBeGreaterThan(order.indexOf('healthy 1.1.1.1'))
    expect(
      order
        .filter((e) => !e.startsWith('create'))
        .slice(0, 2)
        .sort(),
    ).toEqual(['run 1.1.1.1', 'run 1.1.1.2'])
    // Nothing of the new version runs on the worker host before the barrier opens: one line, the prepare and the create.
    expect(atBarrier).toHaveLength(1)
    expect(atBarrier[0]).toMatch(
      /^1\.1\.1\.3: \{ sh audit-record\.sh .* '\[[\dT:Z-]+\] \[tester@example\.com\] \[workers\] Booted app version v2' && sh boot-prepare\.sh .*; \} && docker create --restart unless-stopped --name app-workers-v2 .* registry\.example\.com\/dhh\/app:v2 bin\/jobs \(stdin\)$/,
    )
    // A worker: three round trips, the create riding on the prepare, the start and the wait sharing one.
    // A web host has no barrier to wait at: two, the prepare, run and wait in one.
    expect(log.filter((l) => l.startsWith('1.1.1.3:')).map(kind)).toEqual(['prepare+create', 'start+wait', 'stop'])
    for (const host of ['1.1.1.1', '1.1.1.2'])
      expect(log.filter((l) => l.startsWith(`${host}:`)).map(kind)).toEqual(['prepare+run+wait', 'stop'])
    // The old version is stopped on every host once the new one is healthy.
    for (const host of ['1.1.1.1', '1.1.1.2']) expect(log).toContain(retired(host, 'web'))
    expect(log).toContain(retired('1.1.1.3', 'workers'))
  })

  test('a role that finds the barrier already open runs its container as the primary does (no separate create)', async () => {
    const { log, done } = runTree(
      [bootApp()],
      async (line) => (prepared(line) ? current(line) : waits(line) ? { stdout: 'healthy\n' } : undefined),
      YML_SHARED,
    )
    await done
    // On 1.1.1.1 workers boot after web (same host, in turn): the barrier is open by then.
    expect(log.filter((l) => l.startsWith('1.1.1.1:')).map(kind)).toEqual([
      'prepare+run+wait',
      'stop',
      'prepare+run+wait',
      'stop',
    ])
    expect(log.filter((l) => l.startsWith('1.1.1.3:')).map(kind)).toEqual(['prepare+create', 'start+wait', 'stop'])
  })

  test('a failing primary closes the barrier: workers never boot, new containers are stopped, every failure is reported', async () => {
    const { log, done } = runTree([bootApp()], async (line) => {
      if (prepared(line)) return current(line)
      if (waits(line)) return waited('unhealthy', 1)
      if (line.includes('sh health-report.sh '))
        return { stdout: 'boom: config error\n{"Status":"unhealthy","FailingStreak":3,"Log":[]}\n' }
      return undefined
    })
    const error = await done.catch((e: unknown) => e)
    expect(error).toBeInstanceOf(HostsError)
    const message = (error as HostsError).message
    expect(message).toContain('failures on 3 hosts')
    expect(message).toMatch(/1\.1\.1\.[12]: app-web-v2 did not become healthy \(unhealthy\)/)
    expect(message).toContain('boom: config error') // the failing container's logs, shown once
    expect(message.match(/boom: config error/g)).toHaveLength(1)
    expect(message).toContain('1.1.1.3: first web container is unhealthy, not booting workers')
    expect(log.filter((l) => l.startsWith('1.1.1.3:') && runs(l))).toEqual([])
    for (const host of ['1.1.1.1', '1.1.1.2']) expect(log).toContain(`${host}: docker stop app-web-v2`)
    // The old containers were never stopped: they keep serving.
    expect(log.some((l) => l.includes('docker stop app-web-v1'))).toBe(false)
    // The worker's created container is removed, never started; its old container is left alone.
    expect(log.filter((l) => l.startsWith('1.1.1.3:')).map(kind)).toEqual(['prepare+create', 'rm'])
    expect(log).toContain(
      "1.1.1.3: docker container ls --all --filter 'name=^app-workers-v2$' --quiet | xargs -r docker container rm",
    )
  })

  test('Ctrl-C while a worker waits at the barrier: its created container is removed, never started, and the old one is untouched', async () => {
    let workerCreated!: () => void
    const created = new Promise<void>((resolve) => (workerCreated = resolve))
    const { log, abort, done } = runTree([bootApp()], async (line) => {
      if (creates(line)) workerCreated()
      if (prepared(line)) return current(line)
      if (waits(line)) {
        await created
        abort()
        return { stdout: 'healthy\n' }
      }
      return undefined
    })
    const error = await done.catch((e: unknown) => e)
    expect((error as Error).message).toContain('1.1.1.3: cancelled before booting workers')
    expect(log.filter((l) => l.startsWith('1.1.1.3:')).map(kind)).toEqual(['prepare+create', 'rm'])
    expect(log.some((l) => l.includes('app-workers-v1'))).toBe(false)
  })

  test('Ctrl-C during the start-and-wait round trip: the new containers are stopped, the old ones left serving', async () => {
    const { log, abort, done } = runTree([bootApp()], async (line) => {
      if (prepared(line)) return current(line)
      // The cancel lands while docker run (or the wait after it) is still running on the web hosts.
      if (runs(line) && waits(line)) abort()
      return undefined
    })
    const message = ((await done.catch((e: unknown) => e)) as Error).message
    // The two web hosts failed alike: reported once, with both hosts.
    expect(message).toContain('- 1.1.1.1, 1.1.1.2: cancelled while app-web-v2 was starting; it was stopped')
    expect(message).toContain('- 1.1.1.3: cancelled before booting workers')
    for (const host of ['1.1.1.1', '1.1.1.2']) {
      expect(log).toContain(`${host}: docker stop app-web-v2`)
      expect(log).not.toContain(retired(host, 'web'))
    }
    expect(log.filter((l) => l.startsWith('1.1.1.3:')).map(kind)).toEqual(['prepare+create', 'rm'])
    expect(log.some((l) => l.includes('app-web-v1') || l.includes('app-workers-v1'))).toBe(false)
  })

  test('one round trip on a web host: a failed docker run names the run, a failed prepare the prepare', async () => {
    const runFails = runTree([bootApp()], async (line) => {
      if (prepared(line)) return current(line)
      if (runs(line) && line.startsWith('1.1.1.1'))
        return { exitCode: 125, stderr: 'docker: invalid reference format.\n' }
      if (waits(line)) return { stdout: 'healthy\n' }
      return undefined
    })
    const runMessage = ((await runFails.done.catch((e: unknown) => e)) as Error).message
    expect(runMessage).toMatch(
      /^1\.1\.1\.1: `docker run --detach --restart unless-stopped --name app-web-v2 .*` exited with 125:\ndocker: invalid reference format\.$/m,
    )
    // Nothing of the new version runs there, so nothing is stopped; the old container keeps serving.
    expect(runFails.log.filter((l) => l.startsWith('1.1.1.1:')).map(kind)).toEqual(['prepare+run+wait'])

    const prepareFails = runTree([bootApp()], async (line) => {
      if (prepared(line) && line.startsWith('1.1.1.1') && !runs(line))
        return { stdout: 'home=/root\n', exitCode: 1, stderr: 'Cannot connect to the Docker daemon\n' }
      if (prepared(line)) return current(line)
      if (waits(line)) return { stdout: 'healthy\n' }
      return undefined
    })
    const prepareMessage = ((await prepareFails.done.catch((e: unknown) => e)) as Error).message
    expect(prepareMessage).toMatch(
      /^1\.1\.1\.1: `sh audit-record\.sh .* Booted app version v2' && sh boot-prepare\.sh [^`]*` exited with 1:\nCannot connect to the Docker daemon$/m,
    )
  })

  test('Ctrl-C while a web host prepares: the prepare answers first (a rename must be known), then the new container is stopped', async () => {
    const { log, abort, done } = runTree([bootApp()], async (line) => {
      if (prepared(line) && !runs(line)) {
        abort()
        return line.startsWith('1.1.1.1')
          ? {
              stdout:
                'home=/root\nrenamed=app-web-v2_replaced_0a\ncurrent=app-web-v2_replaced_0a\ncurrent_version=v2\n',
            }
          : current(line)
      }
      return undefined
    })
    const message = ((await done.catch((e: unknown) => e)) as Error).message
    expect(message).toContain('cancelled while app-web-v2 was starting; it was stopped')
    expect(log).toContain('1.1.1.1: docker stop app-web-v2')
    // The same-version container renamed aside gets its name back.
    expect(log.some((l) => /^1\.1\.1\.1: .*docker rename app-web-v2_replaced_0a app-web-v2$/.test(l))).toBe(true)
  })

  test('a failed docker create fails that host as a failed docker run did, with the create as the command', async () => {
    const { log, done } = runTree([bootApp()], async (line) => {
      if (creates(line))
        return { ...current(line), exitCode: 125, stderr: 'docker: Error response from daemon: Conflict.\n' }
      if (prepared(line)) return current(line)
      if (waits(line)) return { stdout: 'healthy\n' }
      return undefined
    })
    const message = ((await done.catch((e: unknown) => e)) as Error).message
    expect(message).toMatch(
      /^1\.1\.1\.3: `docker create --restart unless-stopped --name app-workers-v2 .*bin\/jobs` exited with 125:\ndocker: Error response from daemon: Conflict\.$/,
    )
    expect(log.filter((l) => l.startsWith('1.1.1.3:')).map(kind)).toEqual(['prepare+create'])
    for (const host of ['1.1.1.1', '1.1.1.2']) expect(log).toContain(retired(host, 'web'))
  })

  test('a prepare that fails before the create reports the whole command, as before', async () => {
    const { done } = runTree([bootApp()], async (line) => {
      if (creates(line)) return { stdout: 'home=/root\n', exitCode: 1, stderr: 'Cannot connect to the Docker daemon\n' }
      if (prepared(line)) return current(line)
      if (waits(line)) return { stdout: 'healthy\n' }
      return undefined
    })
    const message = ((await done.catch((e: unknown) => e)) as Error).message
    expect(message).toMatch(
      /^1\.1\.1\.3: `\{ sh audit-record\.sh .* Booted app version v2' && sh boot-prepare\.sh .*; \} && docker create .*` exited with 1:\nCannot connect to the Docker daemon$/,
    )
  })

  test('a failed docker start removes the created container and fails that host', async () => {
    const { log, done } = runTree([bootApp()], async (line) => {
      if (prepared(line)) return current(line)
      if (starts(line)) return { exitCode: 1, stderr: 'Error response from daemon: OCI runtime create failed\n' }
      if (waits(line)) return { stdout: 'healthy\n' }
      return undefined
    })
    const message = ((await done.catch((e: unknown) => e)) as Error).message
    expect(message).toBe(
      '1.1.1.3: `docker start app-workers-v2` exited with 1:\nError response from daemon: OCI runtime create failed',
    )
    expect(log.filter((l) => l.startsWith('1.1.1.3:')).map(kind)).toEqual(['prepare+create', 'start+wait', 'rm'])
    expect(log).not.toContain(retired('1.1.1.3', 'workers'))
  })

  test("traefik: a proxied worker-side role ties its cord in the create's round trip, under the host's home", async () => {
    const { log, done } = runTree(
      [bootApp()],
      async (line) =>
        prepared(line)
          ? current(line)
          : waits(line)
            ? { stdout: 'healthy\n' }
            : line.includes('cutCord')
              ? {}
              : undefined,
      YML_TRAEFIK,
    )
    await done.catch(() => undefined)
    const web = log.find((l) => l.startsWith('1.1.1.1:') && runs(l))!
    const api = log.find((l) => l.startsWith('1.1.1.3:') && prepared(l))!
    // The primary knows home from its prepare: an absolute cord dir, tied before docker run.
    expect(web).toMatch(
      /^1\.1\.1\.1: mkdir -p \/root\/\.kamal\/cords\/app-web-(\w+) && touch \/root\/\.kamal\/cords\/app-web-\1\/cord && docker run /,
    )
    // The api's create shares the prepare round trip, so the host resolves its (relative) cord dir.
    const runId = /app-web-(\w+)/.exec(web)![1]!
    expect(api).toContain(` && sh create-with-cord.sh .kamal/cords/app-api-${runId} docker create `)
    expect(api).toContain(` --volume .kamal/cords/app-api-${runId}:/tmp/kamal-cord `)
  })

  test('a failing worker shows its own logs and leaves the web hosts booted', async () => {
    const { log, done } = runTree([bootApp()], async (line) => {
      if (prepared(line)) return current(line)
      if (waits(line)) return line.startsWith('1.1.1.3') ? waited('restarting', 1) : { stdout: 'healthy\n' }
      if (line.startsWith('1.1.1.3') && line.includes('sh health-report.sh '))
        return { stdout: 'jobs: cannot reach the queue\nnull\n' }
      return undefined
    })
    const error = await done.catch((e: unknown) => e)
    expect((error as Error).message).toBe(
      '1.1.1.3: app-workers-v2 did not become healthy (restarting)\ncontainer log (last 1 line):\n  jobs: cannot reach the queue',
    )
    expect(log).toContain('1.1.1.3: docker stop app-workers-v2')
    expect(log).not.toContain(retired('1.1.1.3', 'workers'))
    for (const host of ['1.1.1.1', '1.1.1.2']) expect(log).toContain(retired(host, 'web'))
  })

  test('a same-version redeploy that fails gives the renamed container its name back, so the proxy finds it again', async () => {
    const { log, done } = runTree([bootApp()], async (line) => {
      if (prepared(line) && line.startsWith('1.1.1.1'))
        return {
          stdout: 'home=/root\nrenamed=app-web-v2_replaced_0a\ncurrent=app-web-v2_replaced_0a\ncurrent_version=v2\n',
        }
      if (prepared(line)) return current(line)
      if (waits(line)) return line.startsWith('1.1.1.1') ? waited('unhealthy', 1) : { stdout: 'healthy\n' }
      return undefined
    })
    await expect(done).rejects.toThrow('1.1.1.1: app-web-v2 did not become healthy')
    const restore = log.filter((l) => l.startsWith('1.1.1.1: { docker rename app-web-v2 app-web-v2_failed_'))
    expect(restore).toHaveLength(1)
    expect(restore[0]).toMatch(/_failed_[0-9a-f]{8} \|\| true; \} && docker rename app-web-v2_replaced_0a app-web-v2$/)
    // A host that renamed nothing has nothing to give back.
    expect(log.some((l) => l.startsWith('1.1.1.2') && l.includes('docker rename'))).toBe(false)
  })

  test('every host finishes its cleanup before the error is reported, and its stop of the old container before the lock is released', async () => {
    let slowStopDone = false
    let stoppedBeforeRelease = false
    const { done } = runTree([withLock([bootApp()])], async (line) => {
      if (prepared(line)) return current(line)
      if (waits(line)) return line.startsWith('1.1.1.1') ? waited('unhealthy', 1) : { stdout: 'healthy\n' }
      if (line.startsWith('1.1.1.2') && line.includes('docker stop app-web-v1')) {
        await new Promise((r) => setTimeout(r, 80))
        slowStopDone = true
      }
      if (line.includes('rm -r .kamal/locks/app')) stoppedBeforeRelease = slowStopDone
      return undefined
    })
    await expect(done).rejects.toThrow('1.1.1.1: app-web-v2 did not become healthy')
    expect(slowStopDone).toBe(true)
    expect(stoppedBeforeRelease).toBe(true)
  })
})

// web behind traefik on 1.1.1.1, workers (no proxy) on 1.1.1.3; asset_path at the root.
const YML_ASSETS = `service: app
image: dhh/app
registry: { server: registry.example.com, username: user, password: [KAMAL_REGISTRY_PASSWORD] }
servers:
  web: [1.1.1.1]
  workers:
    hosts: [1.1.1.3]
    cmd: bin/jobs
asset_path: /rails/public/assets
healthcheck: { cmd: check }
`

describe('bootApp: asset bridging', () => {
  test('a proxied role prepares its assets before its boot, mounts them, and cleans up once the old one stopped; others do neither', async () => {
    const { log, done } = runTree(
      [bootApp()],
      async (line) =>
        line.includes('sh assets-prepare.sh ')
          ? { stdout: 'home=/root\ncurrent=app-web-v1\n' }
          : prepared(line)
            ? current(line)
            : waits(line)
              ? { stdout: 'healthy\n' }
              : undefined,
      YML_ASSETS,
    )
    await done
    const web = log.filter((l) => l.startsWith('1.1.1.1:'))
    expect(web[0]).toBe(
      '1.1.1.1: sh assets-prepare.sh .kamal app-web-v2 registry.example.com/dhh/app:v2 /rails/public/assets registry.example.com/dhh/app:latest --filter label=service=app --filter label=role=web',
    )
    expect(web.find(runs)).toContain(' --volume /root/.kamal/assets/volumes/app-web-v2:/rails/public/assets ')
    expect(web.at(-1)).toBe(
      "1.1.1.1: find .kamal/assets/extracted .kamal/assets/volumes -mindepth 1 -maxdepth 1 -name 'app-web-*' '!' -name app-web-v2 -exec rm -rf '{}' +",
    )
    // The clean-up comes after the old container's stop.
    expect(web.findIndex((l) => l.includes('docker stop'))).toBeLessThan(web.length - 1)
    const workers = log.filter((l) => l.startsWith('1.1.1.3:'))
    expect(workers.some((l) => l.includes('assets'))).toBe(false)
  })

  test('an asset preparation that fails fails that host naming it, before anything of the new version runs', async () => {
    const { log, done } = runTree(
      [bootApp()],
      async (line) =>
        line.includes('sh assets-prepare.sh ')
          ? {
              exitCode: 1,
              stderr: 'Error: Could not find the file /rails/public/assets in container app-web-v2-assets',
            }
          : prepared(line)
            ? current(line)
            : waits(line)
              ? { stdout: 'healthy\n' }
              : undefined,
      YML_ASSETS,
    )
    const error = await done.then(
      () => undefined,
      (e: unknown) => e,
    )
    expect(String(error)).toContain('Could not find the file /rails/public/assets')
    // The workers say why they did not boot: no web container ever got to its health check.
    expect(String(error)).toContain('1.1.1.3: no web container could be started and checked, not booting workers')
    // Nothing of the new version ran: web never ran, the barrier closed, the worker's created container went.
    expect(log.some((l) => l.startsWith('1.1.1.1:') && runs(l))).toBe(false)
    expect(log.some(starts)).toBe(false)
    expect(log.filter((l) => l.startsWith('1.1.1.3:')).map(kind)).toEqual(['prepare+create', 'rm'])
  })
})

describe('bootApp then tagAndPrune: the stops of old containers overlap the tag and the prune', () => {
  test("the tag and prune start while the last stop runs; each host's tag step ends only after its stops", async () => {
    const events: string[] = []
    const { done } = runTree([bootApp(), tagAndPrune()], async (line) => {
      const host = line.split(':')[0]!
      if (prepared(line)) return current(line)
      if (waits(line)) return { stdout: 'healthy\n' }
      if (line.includes(' docker stop app-workers-v1')) {
        events.push(`stop ${host} begins`)
        await new Promise((r) => setTimeout(r, 80))
        events.push(`stop ${host} ends`)
      }
      if (line.includes('sh prune-all.sh')) {
        // The old container being stopped on that host is named to the prune: it counts as stopped.
        events.push(`prune ${host}${line.endsWith(' app-workers-v1') ? ' (counting app-workers-v1 as stopped)' : ''}`)
        return { stdout: 'tagged\n' }
      }
      return undefined
    })
    await done
    const prune = events.indexOf('prune 1.1.1.3 (counting app-workers-v1 as stopped)')
    expect(prune).toBeGreaterThan(events.indexOf('stop 1.1.1.3 begins'))
    expect(prune).toBeLessThan(events.indexOf('stop 1.1.1.3 ends'))
    // The tree ended after the stop: tagAndPrune on that host waited for it.
    expect(events.at(-1)).toBe('stop 1.1.1.3 ends')
  })

  test('a recipe of its own that prunes right after the boot names the containers still being stopped too', async () => {
    const prunes: string[] = []
    const { done } = runTree([bootApp(), pruneOld()], async (line) => {
      if (prepared(line)) return current(line)
      if (waits(line)) return { stdout: 'healthy\n' }
      if (line.includes(' docker stop app-workers-v1')) await new Promise((r) => setTimeout(r, 50))
      if (line.includes('sh prune-all.sh')) prunes.push(line)
      return undefined
    })
    await done
    expect(prunes.find((l) => l.startsWith('1.1.1.3:'))).toMatch(/ app-workers-v1$/)
  })

  test("a host lost during its stop fails that host's tag step, naming what the boot was doing", async () => {
    const { done } = runTree([bootApp(), tagAndPrune()], async (line) => {
      if (prepared(line)) return current(line)
      if (waits(line)) return { stdout: 'healthy\n' }
      if (line.includes(' docker stop app-workers-v1'))
        throw new HostLostError('1.1.1.3', 'connection reset', 'running a command')
      if (line.includes('sh prune-all.sh')) return { stdout: 'tagged\n' }
      return undefined
    })
    await expect(done).rejects.toThrow(/1\.1\.1\.3.*switching workers to app-workers-v2/s)
  })
})

describe('bootApp: the early health check, by engine', () => {
  const boot = async (yml: string, api: string | undefined) => {
    const { ctx, log } = recordingContext({
      config: makeConfig(yml),
      reply: oneTrip((line) =>
        prepared(line) ? current(line) : waits(line) ? { stdout: 'by=check\nhealthy\n' } : undefined,
      ),
    })
    for (const host of ['1.1.1.1', '1.1.1.2', '1.1.1.3']) if (api) ctx.found.apiVersions.set(host, api)
    await new Listr([bootApp()], { ctx, renderer: 'silent' }).run()
    // A line as sent, without the recorder's stdin marker (the one-trip boot sends the env file).
    const on = (host: string, what: (l: string) => boolean): string =>
      log.find((l) => l.startsWith(host) && what(l))!.replace(/ \(stdin\)$/, '')
    return { on }
  }
  // The wait's own-check parameters: its period ('' when Docker's status decides alone), and the health command if set.
  const checkEvery = (line: string): string => / (0\.2|'') (?:'[^']*'|\S+)$/.exec(line)![1]!

  test('Docker 20.10 (API 1.41): no new run flags; the wait runs the containers own health command', async () => {
    const { on } = await boot(YML, '1.41')
    expect(on('1.1.1.1', runs)).not.toContain('--health-start')
    expect(checkEvery(on('1.1.1.1', waits))).toBe('0.2')
    expect(checkEvery(on('1.1.1.3', waits))).toBe('0.2')
    // workers set no health command: the wait reads the image's from the container.
    expect(on('1.1.1.3', waits)).toMatch(/ 0\.2 ''$/)
    // A role given its own check: the wait runs that command, as docker run was given it.
    const own = await boot(YML.replace('traefik: false', 'traefik: false\n    healthcheck: { cmd: check }'), '1.41')
    expect(own.on('1.1.1.1', waits)).toMatch(/ 0\.2 check$/)
  })

  test('Engine 25+ (API 1.44): --health-start-interval where slipway sets the health command; own check elsewhere', async () => {
    // web sets its own check (health args); workers use the image's, if it has one.
    const { on } = await boot(YML.replace('traefik: false', 'traefik: false\n    healthcheck: { cmd: check }'), '1.44')
    expect(on('1.1.1.1', runs)).toContain(
      ' --health-interval 1s --health-start-period 1s --health-start-interval 0.2s ',
    )
    expect(checkEvery(on('1.1.1.1', waits))).toBe("''")
    // workers set no health command of their own: the image's check, if any, is run by the wait.
    expect(on('1.1.1.3', creates)).not.toContain('--health')
    expect(checkEvery(on('1.1.1.3', waits))).toBe('0.2')
  })

  test("traefik routes only Docker-healthy containers: on old engines its roles wait for Docker's healthy", async () => {
    const old = await boot(YML_TRAEFIK, '1.41')
    expect(old.on('1.1.1.1', waits)).toMatch(/ '' ''$/)
    expect(old.on('1.1.1.3', waits)).toMatch(/ '' ''$/)
    const recent = await boot(YML_TRAEFIK, '1.45')
    expect(recent.on('1.1.1.1', runs)).toContain('--health-start-interval 0.2s')
  })

  test('an engine not yet known (no login this run) takes the own check, which every engine can run', async () => {
    const { on } = await boot(YML, undefined)
    expect(on('1.1.1.1', runs)).not.toContain('--health-start')
    expect(checkEvery(on('1.1.1.1', waits))).toBe('0.2')
  })
})

describe('withLock', () => {
  test('reports a held lock and leaves it alone', async () => {
    const { log, done } = runTree([withLock([bootApp()])], (line) => {
      if (line.includes('&& mkdir "$2"')) return { exitCode: 1, stderr: 'mkdir: cannot create directory: File exists' }
      if (line.includes('base64 -d'))
        return { stdout: 'Locked by: Someone at 2026-11-26T08:00:00Z\nVersion: v1\nMessage: hotfix\n' }
      return undefined
    })
    const error = await done.catch((e: unknown) => e)
    expect(error).toBeInstanceOf(LockError)
    expect((error as Error).message).toContain('Locked by: Someone')
    expect(log.some((l) => l.includes('rm -r'))).toBe(false)
    expect(log.some((l) => runs(l))).toBe(false)
  })

  test('releases the lock when a step fails', async () => {
    const { log, done } = runTree([withLock([bootApp()])], (line) => {
      if (prepared(line)) return current(line)
      if (waits(line)) return { stdout: 'unhealthy\n', exitCode: 1 }
      return undefined
    })
    await expect(done).rejects.toThrow()
    expect(log.filter((l) => l.includes('rm -r .kamal/locks/app'))).toHaveLength(1)
  })
})
