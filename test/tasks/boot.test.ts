import { Listr } from 'listr2'
import { describe, expect, test } from 'vitest'
import { bootApp } from '../../tasks/steps/boot.ts'
import { withLock } from '../../tasks/steps/lock.ts'
import { HostsError, LockError } from '../../lib/errors.ts'
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

const prepared = (line: string): boolean => line.includes('mkdir -p "$run"')
// bootPrepare's answer: the role's v1 container is the current one.
const current = (line: string) => {
  const role = line.includes(' app-workers ') ? 'workers' : 'web'
  return { stdout: `home=/root\ncurrent=app-${role}-v1\ncurrent_version=v1\n` }
}
const waits = (line: string): boolean => line.includes('deadline=')
const runs = (line: string): boolean => / docker run /.test(` ${line.split(': ').slice(1).join(': ')} `) || line.includes(' && docker run ')

const runTree = (tasks: DeployTask[], reply: Reply) => {
  const { ctx, log } = recordingContext({ config: makeConfig(YML), reply })
  return { log, done: new Listr(tasks, { ctx, renderer: 'silent' }).run() }
}

describe('bootApp', () => {
  test('primary hosts and the primary role come first, and workers boot only after a web container is healthy', async () => {
    const order: string[] = []
    const { log, done } = runTree([bootApp()], async (line) => {
      const host = line.split(':')[0]!
      if (prepared(line)) return current(line)
      if (runs(line)) order.push(`run ${host}`)
      if (waits(line)) {
        // web on 1.1.1.2 is slow; web on 1.1.1.1 opens the barrier.
        await new Promise((r) => setTimeout(r, host === '1.1.1.2' ? 60 : 20))
        order.push(`healthy ${host}`)
        return { stdout: 'healthy\n' }
      }
      return undefined
    })
    await done
    expect(order.indexOf('run 1.1.1.3')).toBeGreaterThan(order.indexOf('healthy 1.1.1.1'))
    expect(order.slice(0, 2).sort()).toEqual(['run 1.1.1.1', 'run 1.1.1.2'])
    // The old version is stopped on every host once the new one is healthy.
    for (const host of ['1.1.1.1', '1.1.1.2']) expect(log).toContain(`${host}: docker stop app-web-v1`)
    expect(log).toContain('1.1.1.3: docker stop app-workers-v1')
  })

  test('a failing primary closes the barrier: workers never boot, new containers are stopped, every failure is reported', async () => {
    const { log, done } = runTree([bootApp()], async (line) => {
      if (prepared(line)) return current(line)
      if (waits(line)) return { stdout: 'unhealthy\n', exitCode: 1 }
      if (line.includes('docker logs --tail')) return { stdout: 'boom: config error\n{"Status":"unhealthy","FailingStreak":3,"Log":[]}\n' }
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
    expect(log.some((l) => l.includes('docker stop app-web-v1'))).toBe(false)
  })

  test('a failing worker shows its own logs and leaves the web hosts booted', async () => {
    const { log, done } = runTree([bootApp()], async (line) => {
      if (prepared(line)) return current(line)
      if (waits(line)) return line.startsWith('1.1.1.3') ? { stdout: 'restarting\n', exitCode: 1 } : { stdout: 'healthy\n' }
      if (line.startsWith('1.1.1.3') && line.includes('docker logs --tail')) return { stdout: 'jobs: cannot reach the queue\nnull\n' }
      return undefined
    })
    const error = await done.catch((e: unknown) => e)
    expect((error as Error).message).toBe('1.1.1.3: app-workers-v2 did not become healthy (restarting)\njobs: cannot reach the queue\nnull')
    expect(log).toContain('1.1.1.3: docker stop app-workers-v2')
    expect(log).not.toContain('1.1.1.3: docker stop app-workers-v1')
    for (const host of ['1.1.1.1', '1.1.1.2']) expect(log).toContain(`${host}: docker stop app-web-v1`)
  })

  test('every host finishes its cleanup before the error is reported', async () => {
    let slowCleanupDone = false
    const { done } = runTree([bootApp()], async (line) => {
      if (prepared(line)) return current(line)
      if (waits(line)) return line.startsWith('1.1.1.1') ? { stdout: 'unhealthy\n', exitCode: 1 } : { stdout: 'healthy\n' }
      if (line.startsWith('1.1.1.2') && line.includes('docker stop app-web-v1')) {
        await new Promise((r) => setTimeout(r, 80))
        slowCleanupDone = true
      }
      return undefined
    })
    await expect(done).rejects.toThrow('1.1.1.1: app-web-v2 did not become healthy')
    expect(slowCleanupDone).toBe(true)
  })
})

describe('withLock', () => {
  test('reports a held lock and leaves it alone', async () => {
    const { log, done } = runTree([withLock([bootApp()])], (line) => {
      if (line.includes('&& mkdir "$2"')) return { exitCode: 1, stderr: 'mkdir: cannot create directory: File exists' }
      if (line.includes('base64 -d')) return { stdout: 'Locked by: Someone at 2026-11-26T08:00:00Z\nVersion: v1\nMessage: hotfix\n' }
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
