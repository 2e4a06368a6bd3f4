import { spawn } from 'node:child_process'
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { appRepo, SLIPWAY, type ScriptResult } from './support/app-repo.ts'
import { readSandboxEnv, sshExec, uniqueService } from './support/sandbox.ts'

// --lock-wait on the sandbox: a second deploy started while the first holds the lock waits for it
// and then succeeds; with a short wait it fails naming who holds the lock and why.
const sandbox = readSandboxEnv()
const [s1] = sandbox.servers as [string]
const app = appRepo({ service: uniqueService('lockwait') })

// The first deploy holds the lock until the test lets it go: its pre-deploy hook (run under the
// lock) waits for the file $HOLD names; runs without HOLD pass straight through.
const release = join(app.dir, 'release-the-lock')
beforeAll(async () => {
  mkdirSync(join(app.dir, 'hooks'))
  const hook = join(app.dir, 'hooks', 'pre-deploy')
  writeFileSync(hook, '#!/bin/sh\n[ -n "$HOLD" ] || exit 0\nwhile [ ! -e "$HOLD" ]; do sleep 0.1; done\n')
  chmodSync(hook, 0o755)
  await app.init()
})

/** An entry script started in the background: its stderr so far, and its end. */
function start(name: string, args: string[], env: Record<string, string> = {}) {
  const child = spawn(join(SLIPWAY, 'node_modules/.bin/tsx'), [join(SLIPWAY, 'tasks', `${name}.ts`), ...args], {
    cwd: app.dir,
    env: { ...process.env, ...app.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()))
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()))
  const done = new Promise<ScriptResult>((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })))
  return { stderr: () => stderr, done }
}

async function until(what: string, done: () => boolean | Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 120_000
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error(`${what}: not within 120 s`)
    await new Promise((r) => setTimeout(r, 100))
  }
}
afterAll(() => app.cleanup())

async function lockHeld(): Promise<boolean> {
  const { code } = await sshExec(s1, `test -d .kamal/locks/${app.service}`, { allowFailure: true })
  return code === 0
}

describe('--lock-wait', () => {
  test('a deploy started while another holds the lock waits for it, then succeeds', async () => {
    const first = start('deploy', [], { HOLD: release })
    await until('the first deploy takes the lock', lockHeld)
    const second = start('redeploy', ['--lock-wait=120'])
    await until('the second deploy waits', () => second.stderr().includes('Waiting for the deploy lock'))
    writeFileSync(release, '')
    const [one, two] = await Promise.all([first.done, second.done])
    expect(one.code, one.stderr).toBe(0)
    expect(two.code, two.stderr).toBe(0)
    expect(two.stderr).toMatch(
      /Waiting for the deploy lock on \S+: Locked by: .+ at \S+; Version: \w+; Message: Automatic deploy lock/,
    )
    expect(await lockHeld()).toBe(false)
  })

  test('a short --lock-wait gives up naming the holder', async () => {
    const acquired = await app.script('lock', ['acquire', '-m', 'maintenance window'])
    expect(acquired.code, acquired.stderr).toBe(0)
    try {
      const started = Date.now()
      const result = await app.script('redeploy', ['--lock-wait=2'])
      expect(result.code).toBe(1)
      expect(result.stderr).toMatch(
        /error: deploy lock found on \S+:\nLocked by: .+ at \S+\nVersion: \w+\nMessage: maintenance window\nStill held after waiting 2 s \(--lock-wait\)\./,
      )
      expect(Date.now() - started).toBeGreaterThanOrEqual(2000)
    } finally {
      const released = await app.script('lock', ['release'])
      expect(released.code, released.stderr).toBe(0)
    }
  })
})
