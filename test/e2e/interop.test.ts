import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { run } from '../../lib/main.ts'
import type { CliCommand, OptionSpecs } from '../../lib/cli/command.ts'
import { app } from '../../cli/app.ts'
import { deploy } from '../../cli/deploy.ts'
import { lock } from '../../cli/lock.ts'
import { push } from '../../cli/push.ts'
import { rollback } from '../../cli/rollback.ts'
import { appRepo } from './support/app-repo.ts'
import { kamal, type KamalApp } from './support/kamal.ts'
import { readSandboxEnv, sshExec, uniqueService } from './support/sandbox.ts'

// A host shared with Kamal 1.9.3: one service is deployed only by Kamal's commands (played by
// support/kamal.ts), a second one starts the same way and is then driven by slipway. After each
// step both services' hosts must look the same (service and random parts aside): what slipway
// leaves behind is what Kamal would have left. Both use one plain Kamal 1.x deploy.yml.
const sandbox = readSandboxEnv()
const [s1, s2, s3] = sandbox.servers as [string, string, string]
const K = appRepo({ service: uniqueService('kamal') })
const S = appRepo({ service: uniqueService('interop') })
const WORKER_CMD = `sh -c "trap 'exit 0' TERM; while :; do sleep 1; done"`

for (const app of [K, S]) {
  writeFileSync(
    join(app.dir, 'deploy.yml'),
    `service: ${app.service}
image: e2e/${app.service}
registry:
  server: ${sandbox.registry}
  username: <%= ENV.fetch("SANDBOX_REGISTRY_USER") %>
  password: [SANDBOX_REGISTRY_PASSWORD]
servers:
  web:
    hosts:
      - ${s1}
      - ${s2}: canary
    traefik: false
  workers:
    hosts:
      - ${s3}
    cmd: ${WORKER_CMD}
    options:
      no-healthcheck: true
env:
  clear:
    GREETING: hello
  secret: [DEMO_SECRET]
  tags:
    canary:
      CANARY: "yes"
builder:
  multiarch: false
  dockerfile: demo/Dockerfile
ssh:
  keys: [${sandbox.sshKey}]
readiness_delay: 0
stop_wait_time: 2
retain_containers: 1
`,
  )
}

const played = (app: typeof K) =>
  kamal({
    service: app.service,
    repository: `${sandbox.registry}/e2e/${app.service}`,
    roles: [
      {
        name: 'web',
        hosts: [
          { host: s1, tags: [] },
          { host: s2, tags: ['canary'] },
        ],
      },
      { name: 'workers', hosts: [{ host: s3, tags: [] }], cmd: WORKER_CMD, options: '--no-healthcheck' },
    ],
    clear: { GREETING: 'hello' },
    secrets: { DEMO_SECRET: app.env['DEMO_SECRET']! },
    tags: { canary: { CANARY: 'yes' } },
    stopWaitTime: 2,
    retainContainers: 1,
  } satisfies KamalApp)

// The commands, run in this process (tasks/<name>.ts is `await main(command)`): the same code path
// without a tsx start per command, which costs seconds on a busy machine.
const ENTRIES: Record<string, CliCommand<OptionSpecs>> = { deploy, push, rollback, app, lock }
async function slipway(
  app: typeof K,
  name: string,
  argv: string[],
): Promise<{ code: number; stdout: string; stderr: string }> {
  const command = ENTRIES[name]!
  let stdout = ''
  const lines: string[] = []
  const code = await run(command, {
    argv,
    cwd: app.dir,
    env: { ...process.env, ...app.env },
    write: (line) => lines.push(line),
    out: (text) => void (stdout += text),
    renderer: 'silent',
  })
  return { code, stdout, stderr: lines.join('\n') }
}

/** A new version of the app in both repos; its image pushed for the repos Kamal deploys. */
async function newVersion(version: string, push: readonly (typeof K)[] = [K]): Promise<void> {
  for (const app of [K, S]) {
    writeFileSync(join(app.dir, 'demo/www/release.txt'), `${version}\n`)
    await app.commit(version)
  }
  for (const app of push) {
    const pushed = await slipway(app, 'push', ['--version', version])
    expect(pushed.code, pushed.stderr).toBe(0)
  }
}

// Everything a deploy leaves on the hosts for one service, with the service name, random name
// suffixes and hostnames replaced, so two services can be compared.
async function hostState(app: typeof K): Promise<unknown> {
  const svc = app.service
  const perHost = await Promise.all(
    [s1, s2, s3].map(async (host) => {
      const script = [
        `for c in $(docker ps -a --filter label=service=${svc} --format '{{.Names}}'); do docker inspect --format '{{json .}}' $c; done`,
        `echo '--images'; docker image ls --filter reference='*/e2e/${svc}' --format '{{.Tag}}' | sort`,
        `echo '--env files'; for f in .kamal/env/roles/${svc}-*.env; do [ -e "$f" ] && echo "$f" && cat "$f"; done`,
        `echo '--lock'; ls -d .kamal/locks/${svc} 2>/dev/null; true`,
      ].join('; ')
      const [containers = '', images = '', envFiles = '', lock = ''] = (await sshExec(host, script)).stdout.split(
        /--(?:images|env files|lock)\n/,
      )
      const inspected = containers
        .split('\n')
        .filter(Boolean)
        .map((line) => {
          const c = JSON.parse(line) as Inspect
          return {
            name: c.Name,
            state: c.State.Status,
            image: c.Config.Image,
            cmd: c.Config.Cmd,
            env: c.Config.Env.filter((e) => !e.startsWith('SLIPWAY_')).sort(),
            labels: c.Config.Labels,
            hostname: c.Config.Hostname,
            healthcheck: c.Config.Healthcheck ?? null,
            restart: c.HostConfig.RestartPolicy.Name,
            log: c.HostConfig.LogConfig,
            binds: c.HostConfig.Binds ?? [],
            network: c.HostConfig.NetworkMode,
          }
        })
        .sort((a, b) => a.name.localeCompare(b.name))
      return { host, containers: inspected, images: images.split('\n').filter(Boolean), envFiles, lock }
    }),
  )
  // AUDIT LOG (issue 14): Kamal 1.9.3 also leaves `.kamal/<service>-audit.log` on every host it
  // acts on. slipway writes no audit log yet; when it does, add the file to this state so the
  // comparison covers it.
  return JSON.parse(
    JSON.stringify(perHost)
      .replaceAll(svc, 'SERVICE')
      .replace(/_replaced_[0-9a-f]{16}/g, '_replaced_HEX')
      .replace(/(\d+\.\d+\.\d+\.\d+)-[0-9a-f]{12}/g, '$1-HEX'),
  )
}

type State = { containers: { name: string; state: string }[]; images: string[] }[]
/** `name state` of every container per host, and the image tags: what a step must have changed. */
const summary = (state: unknown): string[][] =>
  (state as State).map((h) => [...h.containers.map((c) => `${c.name} ${c.state}`), `images ${h.images.join(' ')}`])

interface Inspect {
  Name: string
  State: { Status: string }
  Config: {
    Image: string
    Cmd: string[] | null
    Env: string[]
    Labels: Record<string, string>
    Hostname: string
    Healthcheck?: unknown
  }
  HostConfig: { RestartPolicy: { Name: string }; LogConfig: unknown; Binds: string[] | null; NetworkMode: string }
}

beforeAll(async () => {
  for (const app of [K, S]) {
    await app.init()
    const pushed = await slipway(app, 'push', ['--version', 'v1'])
    expect(pushed.code, pushed.stderr).toBe(0)
    await played(app).deploy('v1')
  }
})
afterAll(async () => {
  await Promise.all([K.cleanup(), S.cleanup()])
  await Promise.all(
    [s1, s2, s3].map((h) => sshExec(h, `rm -rf .kamal/env/roles/${K.service}-* .kamal/env/roles/${S.service}-*`)),
  )
})

describe('a host deployed by Kamal 1.9.3', () => {
  test('played Kamal commands leave Kamal names, labels and env files', async () => {
    const state = (await hostState(K)) as {
      host: string
      containers: { name: string; labels: object; env: string[] }[]
      images: string[]
      envFiles: string
      lock: string
    }[]
    expect(state.map((h) => h.containers.map((c) => c.name))).toEqual([
      ['/SERVICE-web-v1'],
      ['/SERVICE-web-v1'],
      ['/SERVICE-workers-v1'],
    ])
    expect(state[1]!.containers[0]).toMatchObject({
      labels: { service: 'SERVICE', role: 'web', destination: '' },
      env: expect.arrayContaining([
        'KAMAL_CONTAINER_NAME=SERVICE-web-v1',
        'KAMAL_VERSION=v1',
        'GREETING=hello',
        'CANARY=yes',
      ]),
    })
    expect(state[0]).toMatchObject({
      images: ['latest', 'v1'],
      envFiles: '.kamal/env/roles/SERVICE-web.env\nDEMO_SECRET=sécret "quoted" $HOME\n',
      lock: '',
    })
  })

  test('slipway app details and app version read it', async () => {
    const details = await slipway(S, 'app', ['details'])
    expect(details.code, details.stderr).toBe(0)
    for (const name of [`${S.service}-web-v1`, `${S.service}-workers-v1`]) expect(details.stdout).toContain(name)
    expect((await slipway(S, 'app', ['version'])).stdout).toBe(
      `Host: ${s1}\nv1\n\nHost: ${s2}\nv1\n\nHost: ${s3}\nv1\n\n`,
    )
  })

  test("one deploy lock for both tools: Kamal's blocks slipway, slipway's is what Kamal reads", async () => {
    const k = played(S)
    await k.lockAcquire('Kamal holds it', 'v1')
    const status = await slipway(S, 'lock', ['status'])
    expect(status.stdout).toMatch(/^Locked by: Kamal Deployer at \S+Z\nVersion: v1\nMessage: Kamal holds it\n?$/)
    const blocked = await slipway(S, 'deploy', ['--version', 'v1'])
    expect(blocked.code).toBe(1)
    expect(blocked.stderr).toContain('Kamal holds it')
    await k.lockRelease()

    expect((await slipway(S, 'lock', ['acquire', '-m', 'slipway holds it'])).code).toBe(0)
    expect(await k.lockStatus()).toMatch(/^Locked by: .+ at \S+\nVersion: \S+\nMessage: slipway holds it$/)
    expect((await slipway(S, 'lock', ['release'])).code).toBe(0)
    expect(await k.lockStatus()).toBe('There is no deploy lock')
  })
})

describe('slipway after Kamal leaves what Kamal would leave', () => {
  test('deploy: a new version next to the Kamal one, the old one stopped, env files, latest', async () => {
    await newVersion('v2')
    await played(K).deploy('v2')
    const deployed = await slipway(S, 'deploy', ['--version', 'v2'])
    expect(deployed.code, deployed.stderr).toBe(0)
    const state = await hostState(S)
    expect(state).toEqual(await hostState(K))
    const web = ['/SERVICE-web-v1 exited', '/SERVICE-web-v2 running', 'images latest v1 v2']
    expect(summary(state)).toEqual([
      web,
      web,
      ['/SERVICE-workers-v1 exited', '/SERVICE-workers-v2 running', 'images latest v1 v2'],
    ])
  })

  test('rollback to the version Kamal deployed', async () => {
    await played(K).rollback('v1')
    const rolled = await slipway(S, 'rollback', ['v1'])
    expect(rolled.code, rolled.stderr).toBe(0)
    const state = await hostState(S)
    expect(state).toEqual(await hostState(K))
    expect(summary(state)[0]).toEqual([
      '/SERVICE-web-v1 running',
      '/SERVICE-web-v1_replaced_HEX exited',
      '/SERVICE-web-v2 exited',
      'images latest v1 v2',
    ])
  })

  test('prune (retain_containers: 1) keeps the same history', async () => {
    await newVersion('v3')
    await played(K).deploy('v3')
    const deployed = await slipway(S, 'deploy', ['--version', 'v3'])
    expect(deployed.code, deployed.stderr).toBe(0)
    const state = await hostState(S)
    expect(state).toEqual(await hostState(K))
    expect(summary(state)[0]).toEqual(['/SERVICE-web-v1 exited', '/SERVICE-web-v3 running', 'images latest v1 v3'])
  })

  test('and Kamal can take over again', async () => {
    await newVersion('v4', [K, S])
    for (const app of [K, S]) await played(app).deploy('v4')
    const state = await hostState(S)
    expect(state).toEqual(await hostState(K))
    expect(summary(state)[0]).toEqual(['/SERVICE-web-v3 exited', '/SERVICE-web-v4 running', 'images latest v3 v4'])
  })
})
