import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { readSandboxEnv, sshExec, uniqueService } from './support/sandbox.ts'
import { appRepo, site } from './support/app-repo.ts'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { sshPool } from '../../lib/exec/ssh.ts'
import { cmd } from '../../lib/shell/command.ts'

// The deploy recipe end to end on the sandbox: a temp git repo of the demo app, deployed with
// `tsx tasks/deploy.ts` from the app's directory, as a user runs it.
const sandbox = readSandboxEnv()
const [s1, s2, s3] = sandbox.servers as [string, string, string]
const app = appRepo({ service: uniqueService('deploy') })
const SECRET = app.env['DEMO_SECRET']!

/** `name status image` of every container of the app on a host, sorted. */
async function containers(host: string): Promise<string[]> {
  const { stdout } = await sshExec(
    host,
    `docker ps -a --filter label=service=${app.service} --format '{{.Names}} {{.State}}'`,
  )
  return stdout.trim().split('\n').filter(Boolean).sort()
}
const inspect = async (host: string, name: string, format: string): Promise<string> =>
  (await sshExec(host, `docker inspect --format '${format}' ${name}`)).stdout.trim()
const envOf = async (host: string, name: string): Promise<string[]> =>
  JSON.parse(await inspect(host, name, '{{json .Config.Env}}')) as string[]

let v1 = ''
let v2 = ''

beforeAll(async () => {
  v1 = await app.init()
})
afterAll(() => app.cleanup())

describe('deploy', () => {
  test('quoting survives the remote login shell through the ssh2 executor', async () => {
    const pool = sshPool({
      user: 'root',
      port: 22,
      proxy: undefined,
      proxyCommand: undefined,
      keys: [sandbox.sshKey],
      keyData: [],
      keysOnly: true,
      logLevel: 'fatal',
      verifyHostKey: 'always',
      maxConcurrentStarts: 30,
      poolIdleTimeout: 900,
      knownHostsFile: sandbox.knownHosts,
    })
    try {
      for (const value of ["it's", '$HOME', '`id`', 'a\nb', '*', 'ünï', "'\\''", '-n']) {
        const { stdout } = await pool.executor(s1).run(cmd('printf', '%s', value))
        expect(stdout).toBe(value)
      }
      expect(pool.stats().connections).toBe(1)
    } finally {
      await pool.close()
    }
  })

  test('v1: web on two servers, workers on one, env per host (clear, secret through a 0600 env file, tags only where tagged)', async () => {
    const result = await app.script('deploy')
    expect(result.code, result.stderr).toBe(0)
    expect(`${result.stdout}${result.stderr}`).not.toContain(SECRET)
    expect(`${result.stdout}${result.stderr}`).not.toContain(sandbox.registryPassword)

    const web = `${app.service}-web-${v1}`
    const workers = `${app.service}-workers-${v1}`
    expect(await containers(s1)).toEqual([`${web} running`])
    expect(await containers(s2)).toEqual([`${web} running`])
    expect(await containers(s3)).toEqual([`${workers} running`])
    expect(await inspect(s1, web, '{{index .Config.Labels "service"}} {{index .Config.Labels "role"}}')).toBe(
      `${app.service} web`,
    )
    expect(await inspect(s3, workers, '{{index .Config.Labels "role"}}')).toBe('workers')

    const env1 = await envOf(s1, web)
    const env2 = await envOf(s2, web)
    expect(env1).toEqual(
      expect.arrayContaining([
        'GREETING=hello',
        `DEMO_SECRET=${SECRET}`,
        `KAMAL_VERSION=${v1}`,
        `KAMAL_CONTAINER_NAME=${web}`,
      ]),
    )
    expect(env2).toEqual(expect.arrayContaining(['CANARY=yes', `DEMO_SECRET=${SECRET}`]))
    expect(env1.some((e) => e.startsWith('CANARY='))).toBe(false)
    // The secret reached the container through the env file, never the command line.
    const args = await inspect(s1, web, '{{json .Args}}')
    expect(args).not.toContain(SECRET)
    const envFile = (await sshExec(s1, `stat -c '%a' .kamal/env/roles/${app.service}-web.env`)).stdout.trim()
    expect(envFile).toBe('600')

    expect(await site(app.service)).toEqual({ status: 200, body: v1 })
    const latest = await sshExec(
      s1,
      `docker image inspect --format '{{.Id}}' ${sandbox.registry}/e2e/${app.service}:latest ${sandbox.registry}/e2e/${app.service}:${v1}`,
    )
    const [a, b] = latest.stdout.trim().split('\n')
    expect(a).toBe(b)
  })

  test('v2 after a commit: v2 serves, v1 is stopped, latest moved, the lock is released', async () => {
    writeFileSync(join(app.dir, 'demo/www/extra.txt'), 'v2\n')
    v2 = await app.commit('v2')
    const result = await app.script('deploy')
    expect(result.code, result.stderr).toBe(0)
    expect(await containers(s1)).toEqual([`${app.service}-web-${v1} exited`, `${app.service}-web-${v2} running`].sort())
    expect(await containers(s3)).toEqual(
      [`${app.service}-workers-${v1} exited`, `${app.service}-workers-${v2} running`].sort(),
    )
    expect(await site(app.service)).toEqual({ status: 200, body: v2 })
    const ids = await sshExec(
      s2,
      `docker image inspect --format '{{.Id}}' ${sandbox.registry}/e2e/${app.service}:latest ${sandbox.registry}/e2e/${app.service}:${v2}`,
    )
    const [latest, current] = ids.stdout.trim().split('\n')
    expect(latest).toBe(current)
    expect((await sshExec(s1, `ls .kamal/locks/${app.service} 2>&1 || true`)).stdout).toContain('No such file')
  })

  test('a broken image: the deploy fails, the old version keeps serving, workers never boot it, nothing new is left running', async () => {
    writeFileSync(
      join(app.dir, 'deploy.yml'),
      `${await import('node:fs').then((fs) => fs.readFileSync(join(app.dir, 'deploy.yml'), 'utf8'))}\n`.replace(
        '  dockerfile: demo/Dockerfile',
        '  dockerfile: demo/Dockerfile\n  args:\n    BROKEN: "1"',
      ),
    )
    const v3 = await app.commit('broken')
    const started = (await sshExec(s3, 'date +%s')).stdout.trim()
    const result = await app.script('deploy')
    expect(result.code).toBe(1)
    expect(result.stderr).toContain(`${app.service}-web-${v3} did not become healthy`)
    expect(result.stderr).toContain('not booting workers')
    for (const host of [s1, s2]) {
      const list = await containers(host)
      expect(list).toContain(`${app.service}-web-${v2} running`)
      expect(list.filter((c) => c.includes(v3) && c.endsWith('running'))).toEqual([])
    }
    const workers = await containers(s3)
    expect(workers).toContain(`${app.service}-workers-${v2} running`)
    // Not even the container created before the barrier (docker ps -a lists created ones too) is left.
    expect(workers.some((c) => c.includes(v3))).toBe(false)
    expect(
      (await sshExec(s3, `docker ps -aq --filter status=created --filter name=${app.service}-workers-`)).stdout.trim(),
    ).toBe('')
    // It was created (before the barrier closed) and removed, never started.
    const events = (
      await sshExec(
        s3,
        `docker events --since ${started} --until "$(date +%s.%N)" --filter container=${app.service}-workers-${v3} --format '{{.Action}}'`,
      )
    ).stdout
      .trim()
      .split('\n')
    expect(events).toEqual(['create', 'destroy'])
    expect(await site(app.service)).toEqual({ status: 200, body: v2 })
    expect((await sshExec(s1, `ls .kamal/locks/${app.service} 2>&1 || true`)).stdout).toContain('No such file')
  })

  test('tasks/push.ts builds and pushes, and starts nothing', async () => {
    const before = await Promise.all(sandbox.servers.map(containers))
    writeFileSync(join(app.dir, 'demo/www/extra.txt'), 'v4\n')
    const v4 = await app.commit('v4')
    const result = await app.script('push')
    expect(result.code, result.stderr).toBe(0)
    expect(await Promise.all(sandbox.servers.map(containers))).toEqual(before)
    // The registry has it: a server can pull it.
    const pulled = await sshExec(
      s1,
      `docker pull -q ${sandbox.registry}/e2e/${app.service}:${v4} && docker rmi ${sandbox.registry}/e2e/${app.service}:${v4} >/dev/null`,
    )
    expect(pulled.stdout).toContain(v4)
  })

  test('--dry-run prints every command per host, secrets redacted, and changes nothing', async () => {
    const before = await Promise.all(sandbox.servers.map(containers))
    const result = await app.script('deploy', ['--dry-run'])
    expect(result.code, result.stderr).toBe(0)
    // The web hosts run their container; the workers' host creates it before the barrier and starts it after.
    for (const host of [s1, s2])
      expect(result.stderr).toMatch(new RegExp(`^${host.replaceAll('.', '\\.')}: .*docker run`, 'm'))
    const worker = result.stderr.split('\n').filter((l) => l.startsWith(`${s3}: `))
    const created = worker.findIndex((l) =>
      l.includes(` && docker create --restart unless-stopped --name ${app.service}-workers-`),
    )
    expect(created, result.stderr).toBeGreaterThan(-1)
    expect(worker.findIndex((l) => l.startsWith(`${s3}: docker start ${app.service}-workers-`))).toBeGreaterThan(
      created,
    )
    expect(result.stderr).toMatch(/^localhost: .*docker .*build/m)
    expect(result.stderr).not.toContain(SECRET)
    expect(result.stderr).not.toContain(sandbox.registryPassword)
    expect(await Promise.all(sandbox.servers.map(containers))).toEqual(before)
    expect((await sshExec(s1, `ls .kamal/locks/${app.service} 2>&1 || true`)).stdout).toContain('No such file')
  })
})
