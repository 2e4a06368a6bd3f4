import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Listr } from 'listr2'
import { describe, expect, test } from 'vitest'
import type { DeployTask } from '../../lib/context.ts'
import { HostsError } from '../../lib/errors.ts'
import { pullImage } from '../../tasks/steps/app.ts'
import { loginRegistryRemotely } from '../../tasks/steps/registry-login.ts'
import { loginRemotely } from '../../tasks/steps/registry.ts'
import { deploySteps } from '../../tasks/steps/recipes.ts'
import { together } from '../../tasks/steps/together.ts'
import { makeConfig } from '../support/config.ts'
import { recordingContext } from '../support/context.ts'

const step = (title: string, run: () => Promise<void> | void): DeployTask => ({
  title,
  task: async () => void (await run()),
})

describe('together', () => {
  test('runs its lanes side by side, each lane in order', async () => {
    const { ctx } = recordingContext({ config: makeConfig() })
    const events: string[] = []
    let release!: () => void
    const released = new Promise<void>((resolve) => (release = resolve))
    // Lane a can only finish once lane b has started: run one after the other, this would never end.
    const lanes = [
      {
        title: 'a',
        steps: [
          step('a1', () => void events.push('a1')),
          step('a2', async () => void (await released, events.push('a2'))),
        ],
      },
      { title: 'b', steps: [step('b1', () => void (events.push('b1'), release()))] },
    ]
    const timeout = new Promise((_, reject) =>
      setTimeout(() => reject(new Error('lanes ran one after the other')), 2000),
    )
    await Promise.race([new Listr([together('both', lanes)], { ctx, renderer: 'silent' }).run(), timeout])
    expect(events.indexOf('a1')).toBeLessThan(events.indexOf('a2'))
    expect(events.indexOf('b1')).toBeLessThan(events.indexOf('a2'))
  })

  test('lets every lane finish when one fails, then reports all failures together', async () => {
    const { ctx } = recordingContext({ config: makeConfig() })
    const done: string[] = []
    const lanes = [
      {
        title: 'build',
        steps: [step('slow', () => new Promise((r) => setTimeout(r, 50))), step('push', () => void done.push('push'))],
      },
      {
        title: 'connect',
        steps: [
          step('hook', () => {
            throw new Error('pre-connect hook failed')
          }),
          step('login', () => void done.push('login')),
        ],
      },
      {
        title: 'other',
        steps: [
          step('boom', () => {
            throw new Error('no route to host')
          }),
        ],
      },
    ]
    const error = await new Listr([together('both', lanes)], { ctx, renderer: 'silent' }).run().catch((e: unknown) => e)
    expect(done).toEqual(['push'])
    expect(error).toBeInstanceOf(HostsError)
    expect((error as Error).message).toBe('failures in 2 lanes:\n- pre-connect hook failed\n- no route to host')
  })
})

describe('registry login on the servers', () => {
  test('the deploy logs every server in while the image builds, and the pull then skips the login', async () => {
    const root = mkdtempSync(join(tmpdir(), 'slipway-together-'))
    writeFileSync(join(root, 'Dockerfile'), 'FROM scratch\n')
    const config = makeConfig(undefined, { root })
    // The build is slow; no server's login may wait for it to end.
    let built = false
    const loginsBeforeBuilt: string[] = []
    const { ctx, log } = recordingContext({
      config,
      flags: { dryRun: true },
      reply: async (line) => {
        if (line.startsWith('localhost: docker buildx build')) {
          await new Promise((r) => setTimeout(r, 150))
          built = true
        }
        // The login round trip also asks the host's docker for its API version (for the boot's early health check).
        if (
          /^1\.1\.1\.\d: docker version --format 'api=\{\{\.Client\.APIVersion\}\}' && sh login-unless-stored\.sh /.test(
            line,
          ) &&
          !built
        )
          loginsBeforeBuilt.push(line.split(':')[0]!)
        return { stdout: 'api=1.41\nhome=/root\ncurrent=\ncurrent_version=\nhealthy\nswitched\n' }
      },
    })
    await new Listr(deploySteps(), { ctx, renderer: 'silent' }).run()
    expect(loginsBeforeBuilt.sort()).toEqual(['1.1.1.1', '1.1.1.2', '1.1.1.3'])
    expect([...ctx.found.apiVersions]).toEqual(
      expect.arrayContaining([
        ['1.1.1.1', '1.41'],
        ['1.1.1.3', '1.41'],
      ]),
    )
    const pulls = log.filter((l) => l.includes('docker pull'))
    expect(pulls).toHaveLength(3)
    for (const pull of pulls) expect(pull).not.toContain('login-unless-stored')
    // This run built the image, with its service label: the pull does not ask docker for it again.
    for (const pull of pulls) expect(pull).not.toContain('Labels.service')
    // The traefik boot logs in again only where it has to run its container: here, nowhere.
    expect(
      log.filter((l) => l.includes('login-unless-stored') && !l.startsWith('localhost')).length,
    ).toBeGreaterThanOrEqual(3)
  })

  test('a pull on its own logs in first, in the same round trip, and records the host as logged in', async () => {
    const { ctx, log } = recordingContext({ config: makeConfig() })
    await new Listr([pullImage()], { ctx, renderer: 'silent' }).run()
    expect(log).toHaveLength(3)
    for (const line of log)
      expect(line).toMatch(
        /^1\.1\.1\.\d: docker version --format 'api=\{\{\.Client\.APIVersion\}\}' && sh login-unless-stored\.sh registry\.example\.com user && .*docker pull registry\.example\.com\/dhh\/app:v2/,
      )
    // Not built by this run: whether the image carries the service label is asked after the pull.
    for (const line of log) expect(line).toContain('Labels.service')
    expect([...ctx.found.loggedIn].sort()).toEqual(['1.1.1.1', '1.1.1.2', '1.1.1.3'])
  })

  test('`registry login` logs in whatever the hosts store; the deploy keeps stored credentials', async () => {
    const explicit = recordingContext({ config: makeConfig() })
    await new Listr([loginRemotely()], { ctx: explicit.ctx, renderer: 'silent' }).run()
    for (const line of explicit.log)
      expect(line).toContain('&& docker login registry.example.com -u user --password-stdin')
    const implicit = recordingContext({ config: makeConfig() })
    await new Listr([loginRegistryRemotely()], { ctx: implicit.ctx, renderer: 'silent' }).run()
    for (const line of implicit.log) expect(line).toContain('&& sh login-unless-stored.sh registry.example.com user')
  })

  test('a failed login leaves the host out of loggedIn, and the error names the host', async () => {
    const { ctx } = recordingContext({
      config: makeConfig(),
      reply: (line) => (line.startsWith('1.1.1.2:') ? { exitCode: 1, stderr: 'unauthorized' } : undefined),
    })
    await expect(new Listr([loginRegistryRemotely()], { ctx, renderer: 'silent' }).run()).rejects.toThrow(/1\.1\.1\.2/)
    expect([...ctx.found.loggedIn].sort()).toEqual(['1.1.1.1', '1.1.1.3'])
  })
})
