import { spawn } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, expect, test } from 'vitest'
import { readSandboxEnv, sshExec, uniqueService } from './support/sandbox.ts'
import { appRepo, SLIPWAY } from './support/app-repo.ts'

// Ctrl-C during boot: no new work starts, running hosts clean up (the new containers that were not
// yet healthy are stopped), the lock is released, and the exit code says it was cancelled.
const sandbox = readSandboxEnv()
const [s1, s2, s3] = sandbox.servers as [string, string, string]
const app = appRepo({ service: uniqueService('cancel') })
afterAll(() => app.cleanup())

test('SIGINT during boot stops the new containers, releases the lock and exits 130', async () => {
  const v1 = await app.init()
  expect((await app.script('deploy')).code).toBe(0)
  // v2 never turns healthy, so it is still starting (Docker needs 3 failed checks) when SIGINT arrives.
  const yml = join(app.dir, 'deploy.yml')
  writeFileSync(
    yml,
    readFileSync(yml, 'utf8').replace(
      '  dockerfile: demo/Dockerfile',
      '  dockerfile: demo/Dockerfile\n  args:\n    BROKEN: "1"',
    ),
  )
  await app.commit('v2 that never turns healthy')
  const child = spawn(join(SLIPWAY, 'node_modules/.bin/tsx'), [join(SLIPWAY, 'tasks/deploy.ts')], {
    cwd: app.dir,
    env: { ...process.env, ...app.env },
  })
  let stderr = ''
  let sent = false
  const interrupted = new Promise<void>((resolve) => {
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString()
      // One SIGINT only: a second one means "quit at once".
      if (child.signalCode === null && !sent && /Waiting for .* to be healthy/.test(stderr)) {
        sent = true
        child.kill('SIGINT')
        resolve()
      }
    })
  })
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve))
  await interrupted
  expect(code, stderr).toBe(130)
  expect(stderr).toContain('Cancelling')
  const running = async (host: string) =>
    (await sshExec(host, `docker ps --filter label=service=${app.service} --format '{{.Names}}'`)).stdout
      .trim()
      .split('\n')
      .sort()
  const after = { [s1]: await running(s1), [s2]: await running(s2), [s3]: await running(s3) }
  expect(after, stderr).toEqual({
    [s1]: [`${app.service}-web-${v1}`],
    [s2]: [`${app.service}-web-${v1}`],
    [s3]: [`${app.service}-workers-${v1}`],
  })
  // The workers' container created before the barrier was removed, never started: no v2 worker at all.
  expect(
    (await sshExec(s3, `docker ps -a --filter label=service=${app.service} --format '{{.Names}}'`)).stdout.trim(),
    stderr,
  ).toBe(`${app.service}-workers-${v1}`)
  expect((await sshExec(s1, `ls .kamal/locks/${app.service} 2>&1 || true`)).stdout).toContain('No such file')
})
