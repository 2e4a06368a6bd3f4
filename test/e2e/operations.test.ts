import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { exec, readSandboxEnv, sshExec, uniqueService } from './support/sandbox.ts'
import { appRepo, runScript, site, SLIPWAY } from './support/app-repo.ts'
import { terminal } from './support/terminal.ts'

// The day-to-day commands (docs/operations.md) on the sandbox, sharing one app: deploy once, then
// audit, lock, rollback, envify + env push, redeploy, prune, build deliver, registry, details and
// finally remove, each checked on the servers themselves.
const sandbox = readSandboxEnv()
const servers = sandbox.servers as [string, string, string]
const [s1, s2, s3] = servers
const app = appRepo({ service: uniqueService('ops') })
const image = `${sandbox.registry}/e2e/${app.service}`
let v1 = ''

/** `slipway WORD …` in the app repo, as a user runs it. */
const slipway = (args: readonly string[], extraEnv: Record<string, string> = {}) =>
  runScript(join(SLIPWAY, 'bin/slipway.js'), args, { cwd: app.dir, env: { ...app.env, ...extraEnv } })

// What the container got from its env file.
const secretOf = async (container: string): Promise<string> =>
  (
    await sh(
      s1,
      `docker inspect --format '{{range .Config.Env}}{{println .}}{{end}}' ${container} | grep ^DEMO_SECRET=`,
    )
  ).trim()

const sh = async (host: string, script: string): Promise<string> => (await sshExec(host, script)).stdout

// Kamal 1.9's audit line: `[<UTC ISO 8601 to the second>] [<performer>] [<role>]? <line>`.
const line = (text: string, role?: string): RegExp =>
  new RegExp(
    `^\\[\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ\\] \\[${PERFORMER}\\] ${role ? `\\[${role}\\] ` : ''}${text}$`,
  )
const PERFORMER = 'ops@example\\.com'

beforeAll(async () => {
  v1 = await app.init()
  await exec(['git', '-C', app.dir, 'config', 'user.email', 'ops@example.com'])
  const deployed = await app.script('deploy')
  expect(deployed.code, deployed.stderr).toBe(0)
})
afterAll(() => app.cleanup())

describe('audit', () => {
  test('a deploy writes Kamal 1.9 lines on every host: pull, boot per role, tag latest, prune', async () => {
    for (const [host, role] of [
      [s1, 'web'],
      [s2, 'web'],
      [s3, 'workers'],
    ] as const) {
      const lines = (await sh(host, `cat .kamal/${app.service}-audit.log`)).trimEnd().split('\n')
      expect(lines).toHaveLength(5)
      expect(lines[0]).toMatch(line(`Pulled image with version ${v1}`))
      expect(lines[1]).toMatch(line(`Booted app version ${v1}`, role))
      expect(lines[2]).toMatch(line(`Tagging ${image}:${v1} as the latest image`))
      expect(lines[3]).toMatch(line('Pruned containers'))
      expect(lines[4]).toMatch(line('Pruned images'))
    }
  })

  test('lock acquire/release and a rollback are recorded; `slipway audit` prints the last lines per host', async () => {
    expect((await slipway(['lock', 'acquire', '-m', 'checking the audit'])).code).toBe(0)
    expect((await slipway(['lock', 'release'])).code).toBe(0)
    const rolled = await slipway(['rollback', v1])
    expect(rolled.code, rolled.stderr).toBe(0)
    const shown = await slipway(['audit'])
    expect(shown.code, shown.stderr).toBe(0)
    const blocks = shown.stdout.split(/^Host: /m).filter(Boolean)
    expect(blocks.map((b) => b.split('\n')[0])).toEqual([s1, s2, s3])
    const primary = blocks[0]!.trimEnd().split('\n').slice(1)
    expect(primary.slice(-5)).toHaveLength(5)
    expect(primary[5]).toMatch(line('Acquired the deploy lock: checking the audit'))
    expect(primary[6]).toMatch(line('Released the deploy lock'))
    expect(primary[7]).toMatch(line(`Booted app version ${v1}`, 'web'))
    expect(primary[8]).toMatch(line(`Tagging ${image}:${v1} as the latest image`))
    // The lock lives on the primary host only; the others record the rollback's boot alone.
    const worker = blocks[2]!.trimEnd().split('\n').slice(1)
    expect(worker.slice(5)).toHaveLength(2)
    expect(worker[5]).toMatch(line(`Booted app version ${v1}`, 'workers'))
  })
})

describe('envify and env push', () => {
  test('envify renders .env.erb (mode 600), env push writes it to the hosts, a redeploy serves it', async () => {
    writeFileSync(join(app.dir, '.env.erb'), 'DEMO_SECRET=<%= "rotated-" + ENV["ROTATION"] %>\n')
    const result = await slipway(['envify'], { ROTATION: '42' })
    expect(result.code, result.stderr).toBe(0)
    expect(readFileSync(join(app.dir, '.env'), 'utf8')).toBe('DEMO_SECRET=rotated-42\n')
    expect(statSync(join(app.dir, '.env')).mode & 0o777).toBe(0o600)
    for (const host of servers) {
      const path = `.kamal/env/roles/${app.service}-${host === s3 ? 'workers' : 'web'}.env`
      expect(await sh(host, `cat ${path}`)).toContain('DEMO_SECRET=rotated-42\n')
      expect((await sh(host, `stat -c %a ${path}`)).trim()).toBe('600')
      expect((await sh(host, `tail -n 1 .kamal/${app.service}-audit.log`)).trim()).toMatch(line('Pushed env files'))
    }
    // The container running now started before the push: it still has the old value.
    expect(await secretOf(`${app.service}-web-${v1}`)).toBe('DEMO_SECRET=sécret "quoted" $HOME')
    const redeployed = await app.script('redeploy')
    expect(redeployed.code, redeployed.stderr).toBe(0)
    expect(await secretOf(`${app.service}-web-${v1}`)).toBe('DEMO_SECRET=rotated-42')
    expect(await site(app.service)).toEqual({ status: 200, body: v1 })
  })

  test('env delete removes the env files', async () => {
    expect((await slipway(['env', 'delete'])).code).toBe(0)
    for (const host of servers)
      expect(await sh(host, `ls .kamal/env/roles/ | grep -c ${app.service} || true`)).toBe('0\n')
  })
})

describe('prune', () => {
  test('prune containers --retain 1 keeps exactly one stopped container per role', async () => {
    const stopped = (host: string) =>
      sh(host, `docker ps -a --filter label=service=${app.service} --filter status=exited --format '{{.Names}}'`)
    // The rollback and the redeploy each left a renamed container of v1 behind on every host.
    for (const host of servers) expect((await stopped(host)).trim().split('\n')).toHaveLength(2)
    const result = await slipway(['prune', 'containers', '--retain', '1'])
    expect(result.code, result.stderr).toBe(0)
    for (const host of servers) expect((await stopped(host)).trim().split('\n')).toHaveLength(1)
    expect((await sh(s1, `tail -n 1 .kamal/${app.service}-audit.log`)).trim()).toMatch(line('Pruned containers'))
    expect((await slipway(['prune', 'containers', '--retain', '0'])).stderr).toContain('--retain must be at least 1')
  })
})

describe('build deliver and registry', () => {
  test('build deliver pushes a new version and pulls it on every host, keeping the logins the deploy stored', async () => {
    writeFileSync(join(app.dir, 'demo/www/deliver.txt'), 'v2\n')
    const v2 = await app.commit('v2')
    // docker login rewrites its config.json: unchanged files mean the stored credentials were kept.
    const stamps = async () => [
      statSync(join(app.env.DOCKER_CONFIG!, 'config.json')).mtimeMs,
      ...(await Promise.all(servers.map((host) => sh(host, 'stat -c %y .docker/config.json')))),
    ]
    const before = await stamps()
    const result = await slipway(['build', 'deliver'])
    expect(result.code, result.stderr).toBe(0)
    expect(await stamps()).toEqual(before)
    for (const host of servers)
      expect(await sh(host, `docker image ls ${image}:${v2} --format '{{.Tag}}'`)).toBe(`${v2}\n`)
    // Delivered, not deployed.
    expect(await site(app.service)).toEqual({ status: 200, body: v1 })
  })

  test('registry logout and login, here and on the servers', async () => {
    const dockerConfig = mkdtempSync(join(tmpdir(), 'slipway-ops-docker-'))
    const auths = (host: string) => sh(host, 'cat .docker/config.json 2>/dev/null || true')
    const out = await slipway(['registry', 'logout'], { DOCKER_CONFIG: dockerConfig })
    expect(out.code, out.stderr).toBe(0)
    for (const host of servers) expect(await auths(host)).not.toContain(sandbox.registry)
    const login = await slipway(['registry', 'login'], { DOCKER_CONFIG: dockerConfig })
    expect(login.code, login.stderr).toBe(0)
    for (const host of servers) expect(await auths(host)).toContain(sandbox.registry)
    expect(readFileSync(join(dockerConfig, 'config.json'), 'utf8')).toContain(sandbox.registry)
    expect(login.stderr + login.stdout).not.toContain(sandbox.registryPassword)
  })
})

describe('details and remove', () => {
  test('details shows the proxy and app containers of every host', async () => {
    const result = await slipway(['details'])
    expect(result.code, result.stderr).toBe(0)
    for (const host of [s1, s2]) expect(result.stdout).toContain(`Host: ${host} (web)`)
    expect(result.stdout).toContain(`${app.service}-web-${v1}`)
    expect(result.stdout).toContain(`${app.service}-workers-${v1}`)
  })

  test('remove refuses without a terminal and without -y, and changes nothing', async () => {
    const result = await slipway(['remove'])
    expect(result.code).toBe(1)
    expect(result.stderr).toContain('run it again with -y')
    expect(await site(app.service)).toEqual({ status: 200, body: v1 })
  })

  test('remove on a terminal asks first; any answer but y changes nothing', async () => {
    const tty = terminal([join(SLIPWAY, 'node_modules/.bin/tsx'), join(SLIPWAY, 'bin/slipway.js'), 'remove'], {
      cwd: app.dir,
      env: app.env,
    })
    try {
      await tty.waitFor('Sure? [y/N]')
      tty.press('n', 'Enter')
      const { code, screen } = await tty.exited()
      expect(code).toBe(1)
      expect(screen).toContain('Aborted')
    } finally {
      tty.close()
    }
    expect(await site(app.service)).toEqual({ status: 200, body: v1 })
  })

  test('remove -y leaves no container, image, env file, lock or directory of the service on any host', async () => {
    const result = await slipway(['remove', '-y'])
    expect(result.code, result.stderr).toBe(0)
    for (const host of servers) {
      expect(await sh(host, `docker ps -a --filter label=service=${app.service} -q`)).toBe('')
      expect(await sh(host, `docker image ls ${image} -q`)).toBe('')
      expect(
        await sh(
          host,
          `ls -d .kamal/env/roles/${app.service}-* .kamal/cords/${app.service}-* .kamal/locks/${app.service} ` +
            `.kamal/proxy/routes/*-${app.service}-* 2>/dev/null || true`,
        ),
      ).toBe('')
      expect(await sh(host, `cat .docker/config.json 2>/dev/null || true`)).not.toContain(sandbox.registry)
    }
  })
})
