import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, expect, test } from 'vitest'
import { readSandboxEnv, sshExec, uniqueService } from './support/sandbox.ts'
import { appRepo, site } from './support/app-repo.ts'

// `setup` on fresh servers with every deploy hook in hooks/: each appends what it was told.
const sandbox = readSandboxEnv()
const app = appRepo({ service: uniqueService('hooks') })
afterAll(() => app.cleanup())

const HOOKS = ['pre-connect', 'docker-setup', 'pre-build', 'post-push', 'pre-deploy', 'post-deploy'] as const
const trail = (): string[] => readFileSync(join(app.dir, 'trail.log'), 'utf8').trim().split('\n')

test('setup runs every hook in order with the run details, and a failing hook aborts before anything changes', async () => {
  mkdirSync(join(app.dir, 'hooks'))
  for (const hook of HOOKS) {
    const file = join(app.dir, 'hooks', hook)
    writeFileSync(
      file,
      `#!/bin/sh\necho "${hook} $KAMAL_COMMAND $KAMAL_HOSTS $KAMAL_SERVICE_VERSION runtime=\${KAMAL_RUNTIME:-none}" >> trail.log\n`,
    )
    chmodSync(file, 0o755)
  }
  writeFileSync(join(app.dir, '.gitignore'), 'trail.log\n')
  const version = await app.init()
  const result = await app.script('setup')
  expect(result.code, result.stderr).toBe(0)
  const hosts = sandbox.servers.slice(0, 3).join(',')
  const lines = trail()
  expect(lines.map((l) => l.split(' ')[0])).toEqual([...HOOKS])
  for (const line of lines) expect(line).toContain(`setup ${hosts} ${app.service}@${version.slice(0, 7)}`)
  expect(lines.at(-1)).toMatch(/runtime=\d+$/)
  expect(lines[0]).toMatch(/runtime=none$/)
  expect(await site(app.service)).toEqual({ status: 200, body: version })

  // A pre-deploy hook that fails stops the deploy inside the lock: nothing changes, the lock is released.
  writeFileSync(join(app.dir, 'hooks', 'pre-deploy'), '#!/bin/sh\necho "CI is red" >&2\nexit 3\n')
  const next = await app.commit('v2')
  const failed = await app.script('deploy')
  expect(failed.code).toBe(1)
  expect(failed.stderr).toContain('hook pre-deploy failed with exit 3')
  expect(failed.stderr).toContain('CI is red')
  const [s1] = sandbox.servers
  const running = await sshExec(s1!, `docker ps --filter label=service=${app.service} --format '{{.Names}}'`)
  expect(running.stdout.trim()).toBe(`${app.service}-web-${version}`)
  expect(running.stdout).not.toContain(next)
  expect((await sshExec(s1!, `ls .kamal/locks/${app.service} 2>&1 || true`)).stdout).toContain('No such file')
})
