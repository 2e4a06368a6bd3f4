import { execFileSync } from 'node:child_process'
import { cpSync, existsSync, mkdtempSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, inject, test } from 'vitest'
import { quote } from '../../lib/shell/command.ts'
import { sandboxDown, sandboxUp } from '../../sandbox/api.ts'
import { type SandboxEnv as WrittenEnv, formatEnv, parseEnv } from '../../sandbox/env.ts'
import { REPO_ROOT, layout, optionsFromEnv } from '../../sandbox/layout.ts'
import { lbConfig } from '../../sandbox/lb.ts'
import { installHint, missingPackages } from '../../sandbox/prereqs.ts'
import { sandboxStatus } from '../../sandbox/status.ts'
import { exec, httpGet, readSandboxEnv, sshExec, uniqueService, waitForHealth } from './support/sandbox.ts'

const env = readSandboxEnv()
const docker = (args: string[], input?: string) =>
  exec([env.docker, ...args], {
    env: { DOCKER_CONFIG: env.dockerConfig, DOCKER_BUILDKIT: '0' },
    ...(input !== undefined ? { input } : {}),
  })

// Log every server in to the registry (password on stdin) and pull the test images once per file.
let pulled: Promise<void> | undefined
const pullEverywhere = (): Promise<void> =>
  (pulled ??= Promise.all(
    env.servers.map((ip) =>
      sshExec(
        ip,
        `docker login ${quote(env.registry)} -u ${quote(env.registryUser)} --password-stdin >/dev/null && docker pull -q ${quote(env.appImage)} && docker pull -q ${quote(env.brokenImage)}`,
        {
          input: env.registryPassword,
        },
      ),
    ),
  ).then(() => undefined))

describe('sandbox layout and config (pure)', () => {
  test('layout: names, addresses and ports of an instance', () => {
    const l = layout({ name: 'x', servers: 4, subnet: '10.9.8', lbPort: 1234, lbBackends: 3 })
    expect(l.servers).toEqual([11, 12, 13, 14].map((n, i) => ({ container: `x-${i + 1}`, ip: `10.9.8.${n}` })))
    expect([l.cidr, l.gateway, l.registry, l.lbUrl, l.network]).toEqual([
      '10.9.8.0/24',
      '10.9.8.1',
      '10.9.8.1:5443',
      'http://127.0.0.1:1234',
      'x',
    ])
    expect(l.lbBackends).toEqual(['10.9.8.11', '10.9.8.12', '10.9.8.13'])
    expect(layout({ servers: 1 }).lbBackends).toEqual(['172.29.0.11'])
    expect(l.builder).toEqual({ container: 'x-4', ip: '10.9.8.14', user: 'builder', port: 2222 })
    expect(() => layout({ servers: 21 })).toThrow('servers: 21 is not between 1 and 20')
    expect(() => layout({ subnet: '10.0.0.0/24' })).toThrow('subnet "10.0.0.0/24": give three octets')
    expect(() => layout({ name: 'Bad_Name' })).toThrow('use lowercase letters')
  })

  test('optionsFromEnv takes counts, or the lists a sourced .sandbox/env holds', () => {
    expect(optionsFromEnv({ SANDBOX_SERVERS: '5', SANDBOX_LB_BACKENDS: '3' })).toEqual({ servers: 5, lbBackends: 3 })
    expect(
      optionsFromEnv({
        SANDBOX_SERVERS: '172.29.0.11 172.29.0.12',
        SANDBOX_LB_BACKENDS: '172.29.0.11',
        SANDBOX_SUBNET: '172.29.0.0/24',
      }),
    ).toEqual({
      servers: 2,
      lbBackends: 1,
      subnet: '172.29.0',
    })
    expect(optionsFromEnv({})).toEqual({})
  })

  test('the load balancer forwards to the chosen backends with short timeouts', () => {
    const conf = lbConfig(layout({ servers: 3 }))
    expect(conf).toContain(
      'server 172.29.0.11:80 max_fails=1 fail_timeout=1s;\n    server 172.29.0.12:80 max_fails=1 fail_timeout=1s;\n  }',
    )
    expect(conf).not.toContain('172.29.0.13')
    expect(conf).toContain('listen 127.0.0.1:19080;')
    expect(conf).toContain('proxy_connect_timeout 1s;')
    expect(conf).toContain('proxy_next_upstream error timeout;')
  })

  test('a missing program names its Debian package and the line to run', () => {
    expect(installHint(['docker.io', 'tini'])).toBe(
      'apt-get update && apt-get install -y --no-install-recommends docker.io tini',
    )
    expect(missingPackages()).toEqual([])
  })
})

describe('sandbox servers', () => {
  test('quoting survives the remote login shell', async () => {
    const nasty = `it's $HOME \`id\` "q" \\ * ~ {a,b} ünï\nline2`
    const { stdout } = await sshExec(env.servers[0]!, `printf '%s' ${quote(nasty)}`)
    expect(stdout).toBe(nasty)
  })

  test('global setup provides the env it wrote', () => {
    expect(inject('sandboxEnv').SANDBOX_SERVERS).toBe(env.servers.join(' '))
    expect(process.env.DOCKER_CONFIG).toBe(env.dockerConfig)
  })

  test('every server answers ssh with the sandbox key and runs its own docker engine', async () => {
    expect(env.servers.length).toBeGreaterThanOrEqual(3)
    const ids = await Promise.all(
      env.servers.map(async (ip, i) => {
        const { stdout } = await sshExec(ip, 'hostname; id -u; docker info --format "{{.ID}}"')
        const [hostname, uid, engine] = stdout.trim().split('\n')
        expect(hostname).toBe(layout({ name: env.raw.SANDBOX_NAME! }).servers[i]!.container)
        expect(uid).toBe('0')
        return engine
      }),
    )
    expect(new Set(ids).size).toBe(env.servers.length)
  })

  test('a stranger key is refused', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sbx-key-'))
    try {
      execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'k')])
      const r = await sshExec(env.servers[0]!, 'true', { env: { ...env, sshKey: join(dir, 'k') }, allowFailure: true })
      expect(r.code).toBe(255)
      expect(r.stderr).toMatch(/Permission denied/)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  test('the builder server: `builder` (not root, in the docker group) on its own port only, logged there', async () => {
    const b = {
      host: env.raw.SANDBOX_BUILDER_HOST!,
      user: env.raw.SANDBOX_BUILDER_USER!,
      port: env.raw.SANDBOX_BUILDER_PORT!,
    }
    expect(b).toEqual({ host: env.servers.at(-1), user: 'builder', port: '2222' })
    // prettier-ignore
    const ssh = (user: string, port: string, command: string, host = b.host) =>
      exec(['ssh', '-F', 'none', '-i', env.sshKey, '-o', 'IdentitiesOnly=yes', '-o', 'BatchMode=yes',
        '-o', `UserKnownHostsFile=${env.knownHosts}`, '-o', 'StrictHostKeyChecking=yes', '-o', 'LogLevel=ERROR',
        '-p', port, `${user}@${host}`, command], { allowFailure: true })
    const builder = await ssh(
      b.user,
      b.port,
      'id -un; id -u; docker info --format "{{.ID}}" >/dev/null && echo docker ok',
    )
    expect(builder.stdout.trim().split('\n')).toEqual(['builder', '1500', 'docker ok'])
    expect((await ssh('root', b.port, 'true')).stderr).toMatch(/Permission denied/)
    expect((await ssh(b.user, '22', 'true')).stderr).toMatch(/Permission denied/)
    // Only the builder server has the second port.
    expect((await ssh(b.user, b.port, 'true', env.servers[0])).stderr).toMatch(/Connection refused/)
    const { stdout: log } = await sshExec(b.host, `cat ${env.raw.SANDBOX_BUILDER_SSHD_LOG}`)
    expect(log).toMatch(new RegExp(`Connection from \\S+ port \\d+ on ${b.host.replaceAll('.', '\\.')} port 2222`))
    expect(log).toMatch(/Accepted publickey for builder from /)
  })

  test('same-named containers on two servers never collide', async () => {
    const name = uniqueService('collide')
    const [a, b] = env.servers as [string, string]
    try {
      await pullEverywhere()
      for (const ip of [a, b]) await sshExec(ip, `docker create --name ${name} ${quote(env.appImage)}`)
      const ids = await Promise.all([a, b].map((ip) => sshExec(ip, `docker inspect --format '{{.Id}}' ${name}`)))
      expect(ids[0]!.stdout).not.toBe(ids[1]!.stdout)
    } finally {
      await Promise.all([a, b].map((ip) => sshExec(ip, `docker rm -f ${name}`, { allowFailure: true })))
    }
  })
})

describe('sandbox registry', () => {
  test('refuses anonymous access and a wrong password', async () => {
    const anonymous = await exec(
      [
        'openssl',
        's_client',
        '-quiet',
        '-connect',
        env.registry,
        '-CAfile',
        env.raw.SANDBOX_REGISTRY_CA!,
        '-verify_return_error',
      ],
      {
        input: `GET /v2/ HTTP/1.0\r\nHost: ${env.registry}\r\n\r\n`,
        allowFailure: true,
      },
    )
    expect(anonymous.stdout).toMatch(/^HTTP\/1\.[01] 401/)
    const dir = mkdtempSync(join(tmpdir(), 'sbx-docker-'))
    try {
      const wrong = await exec([env.docker, 'login', env.registry, '-u', env.registryUser, '--password-stdin'], {
        env: { DOCKER_CONFIG: dir },
        input: 'not-the-password',
        allowFailure: true,
      })
      expect(wrong.code).not.toBe(0)
      expect(wrong.stderr).toMatch(/unauthorized|401/)
      expect(wrong.stderr + wrong.stdout).not.toContain(env.registryPassword)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  test('accepts a push from the host, and every server pulls it', async () => {
    const service = uniqueService('push')
    const image = `${env.registry}/${service}:v1`
    const dir = mkdtempSync(join(tmpdir(), 'sbx-build-'))
    try {
      writeFileSync(
        join(dir, 'Dockerfile'),
        `FROM ${env.baseImage}\nRUN echo ${service} > /marker\nCMD ["cat", "/marker"]\n`,
      )
      await docker(['build', '-q', '-t', image, dir])
      const started = performance.now()
      await docker(['push', '-q', image])
      const pushed = (performance.now() - started) / 1000
      const outputs = await Promise.all(
        env.servers.map((ip) =>
          sshExec(
            ip,
            `docker login ${quote(env.registry)} -u ${quote(env.registryUser)} --password-stdin >/dev/null && docker run --rm ${quote(image)}`,
            { input: env.registryPassword },
          ),
        ),
      )
      for (const o of outputs) expect(o.stdout.trim()).toBe(service)
      console.log(`push of a new layer: ${pushed.toFixed(2)}s`)
    } finally {
      rmSync(dir, { recursive: true, force: true })
      await docker(['rmi', image]).catch(() => {})
      await Promise.all(env.servers.map((ip) => sshExec(ip, `docker rmi ${quote(image)}`, { allowFailure: true })))
    }
  })
})

describe('test images', () => {
  test('the demo app runs on every server and turns healthy within a few seconds, serving its version', async () => {
    await pullEverywhere()
    const name = uniqueService('demo')
    try {
      await Promise.all(
        env.servers.map((ip, i) =>
          sshExec(ip, `docker run -d --name ${name} -e SLIPWAY_VERSION=v${i} ${quote(env.appImage)}`),
        ),
      )
      const health = await Promise.all(env.servers.map((ip) => waitForHealth(ip, name, 'healthy', 10_000)))
      for (const h of health) expect(h.seconds).toBeLessThan(5)
      console.log(`demo healthy after ${health.map((h) => h.seconds.toFixed(1)).join('s, ')}s`)
      const versions = await Promise.all(
        env.servers.map((ip) => sshExec(ip, `docker exec ${name} wget -q -O - http://127.0.0.1/version`)),
      )
      expect(versions.map((v) => v.stdout)).toEqual(env.servers.map((_, i) => `v${i}`))
    } finally {
      await Promise.all(env.servers.map((ip) => sshExec(ip, `docker rm -f ${name}`, { allowFailure: true })))
    }
  })

  test('the demo app stops promptly on SIGTERM', async () => {
    await pullEverywhere()
    const name = uniqueService('stop')
    const ip = env.servers[0]!
    try {
      await sshExec(ip, `docker run -d --name ${name} ${quote(env.appImage)}`)
      await waitForHealth(ip, name, 'healthy')
      const started = performance.now()
      await sshExec(ip, `docker stop ${name}`)
      expect((performance.now() - started) / 1000).toBeLessThan(2)
      expect((await sshExec(ip, `docker inspect --format '{{.State.ExitCode}}' ${name}`)).stdout.trim()).toBe('0')
    } finally {
      await sshExec(ip, `docker rm -f ${name}`, { allowFailure: true })
    }
  })

  test('the broken variant boots but never turns healthy', async () => {
    await pullEverywhere()
    const name = uniqueService('broken')
    const ip = env.servers[0]!
    try {
      await sshExec(ip, `docker run -d --name ${name} ${quote(env.brokenImage)}`)
      const { seen } = await waitForHealth(ip, name, 'unhealthy', 20_000)
      expect(seen).not.toContain('healthy')
      expect((await sshExec(ip, `docker inspect --format '{{.State.Running}}' ${name}`)).stdout.trim()).toBe('true')
    } finally {
      await sshExec(ip, `docker rm -f ${name}`, { allowFailure: true })
    }
  })

  test('the demo Dockerfile builds FROM the base image with no registry', async () => {
    const tag = `${uniqueService('build')}:local`
    try {
      await docker([
        'build',
        '-q',
        '--build-arg',
        'BUILD_VERSION=b1',
        '-t',
        tag,
        '-f',
        join(REPO_ROOT, 'demo', 'Dockerfile'),
        REPO_ROOT,
      ])
      const { stdout } = await docker(['run', '--rm', '--entrypoint', 'cat', tag, '/start.sh'])
      expect(stdout).toContain('httpd -f -v -p 80 -h /www')
    } finally {
      await docker(['rmi', tag]).catch(() => {})
    }
  })

  test('the caddy image runs `caddy run --resume` with its admin API on localhost:2019', async () => {
    const ip = env.servers[0]!
    const name = uniqueService('caddy')
    try {
      await sshExec(
        ip,
        `docker login ${quote(env.registry)} -u ${quote(env.registryUser)} --password-stdin >/dev/null && docker pull -q ${quote(env.caddyImage)} >/dev/null`,
        { input: env.registryPassword },
      )
      await sshExec(ip, `docker run -d --name ${name} ${quote(env.caddyImage)} run --resume`)
      // The image has no shell: `caddy reload` is the client that POSTs to the admin API; retry until caddy listens.
      const config = JSON.stringify({
        apps: {
          http: {
            servers: {
              s: { listen: [':80'], routes: [{ handle: [{ handler: 'static_response', body: 'caddy-ok' }] }] },
            },
          },
        },
      })
      let loaded = { code: 1 as number | null, stderr: '' }
      for (let i = 0; i < 50 && loaded.code !== 0; i++) {
        loaded = await sshExec(ip, `docker exec -i ${name} caddy reload --config /dev/stdin --address localhost:2019`, {
          input: config,
          allowFailure: true,
        })
        if (loaded.code !== 0) await new Promise((r) => setTimeout(r, 100))
      }
      expect(loaded.code, loaded.stderr).toBe(0)
      const body = await sshExec(
        ip,
        `docker run --rm --network container:${name} ${quote(env.appImage)} wget -q -O - http://127.0.0.1/`,
      )
      expect(body.stdout).toBe('caddy-ok')
    } finally {
      await sshExec(ip, `docker rm -f ${name}`, { allowFailure: true })
    }
  })
})

describe('load balancer', () => {
  test('serves the demo page from whichever backend answers', async () => {
    await pullEverywhere()
    const name = uniqueService('lb')
    const [first, second] = env.lbBackends as [string, string]
    // Port 80 of a backend belongs to slipway's proxy once anything was deployed: park it for this test.
    const parked = await Promise.all(
      [first, second].map(
        async (ip) =>
          (await sshExec(ip, 'docker stop slipway-proxy 2>/dev/null || true')).stdout.trim() === 'slipway-proxy',
      ),
    )
    try {
      await sshExec(first, `docker run -d --name ${name} -p 80:80 -e SLIPWAY_VERSION=lb1 ${quote(env.appImage)}`)
      await waitForHealth(first, name, 'healthy')
      // The second backend has nothing on port 80: the LB must skip it, every time.
      for (let i = 0; i < 4; i++) {
        const page = await httpGet(`${env.lbUrl}/`)
        expect(page.status).toBe(200)
        expect(page.body).toContain('slipway demo')
        expect(page.body).toContain('lb1')
        expect(String(page.headers['x-sandbox-upstream'])).toContain(`${first}:80`)
      }
      await sshExec(second, `docker run -d --name ${name} -p 80:80 -e SLIPWAY_VERSION=lb2 ${quote(env.appImage)}`)
      await waitForHealth(second, name, 'healthy')
      const versions = new Set<string>()
      // nginx rests a backend that refused for up to 2 s (fail_timeout 1s, whole-second clock): poll, don't sleep.
      const deadline = Date.now() + 5_000
      while (versions.size < 2 && Date.now() < deadline) {
        const r = await httpGet(`${env.lbUrl}/version`)
        expect(r.status).toBe(200)
        versions.add(r.body)
        if (versions.size < 2) await new Promise((resolve) => setTimeout(resolve, 50))
      }
      expect([...versions].sort()).toEqual(['lb1', 'lb2'])
    } finally {
      await Promise.all([first, second].map((ip) => sshExec(ip, `docker rm -f ${name}`, { allowFailure: true })))
      await Promise.all(
        [first, second].map((ip, i) => (parked[i] ? sshExec(ip, 'docker start slipway-proxy') : undefined)),
      )
    }
  })
})

describe('sandbox lifecycle', () => {
  test('a second up reuses everything that runs', async () => {
    const again = await sandboxUp({
      ...optionsFromEnv(env.raw),
      name: env.raw.SANDBOX_NAME!,
      lbPort: Number(new URL(env.lbUrl).port),
    })
    expect(again.started).toBe(0)
    expect(again.env.SANDBOX_SERVERS).toBe(env.servers.join(' '))
    expect(again.seconds).toBeLessThan(5)
    console.log(`second up: ${again.seconds.toFixed(1)}s`)
  })

  test('a second checkout of slipway is refused, before any change, with the owner and the ways on', async () => {
    // A second checkout: this repository's files elsewhere, sharing node_modules, with the same instance settings.
    const other = mkdtempSync(join(tmpdir(), 'slipway-second-checkout-'))
    try {
      const files = execFileSync('git', [
        '-C',
        REPO_ROOT,
        'ls-files',
        '-z',
        '--cached',
        '--others',
        '--exclude-standard',
      ])
        .toString()
        .split('\0')
        .filter((f) => f && existsSync(join(REPO_ROOT, f)))
      for (const f of files) cpSync(join(REPO_ROOT, f), join(other, f), { recursive: true })
      symlinkSync(join(REPO_ROOT, 'node_modules'), join(other, 'node_modules'))
      const ids = async () => (await docker(['ps', '-q', '--filter', `name=^${env.raw.SANDBOX_NAME}-`])).stdout
      const before = await ids()
      for (const action of ['up', 'down']) {
        const result = await exec([join(other, 'node_modules/.bin/tsx'), join(other, 'sandbox/cli.ts'), action], {
          env: {
            SANDBOX_NAME: env.raw.SANDBOX_NAME!,
            SANDBOX_SUBNET: env.raw.SANDBOX_SUBNET!,
            SANDBOX_LB_PORT: new URL(env.lbUrl).port,
          },
          allowFailure: true,
        })
        expect(result.code, result.stdout + result.stderr).toBe(1)
        expect(result.stderr).toContain(
          `sandbox: sandbox instance "${env.raw.SANDBOX_NAME}" (${env.raw.SANDBOX_SUBNET}) is running from another checkout, ${REPO_ROOT}; nothing was changed.`,
        )
        expect(result.stderr).toContain(`cd ${REPO_ROOT} && SANDBOX_NAME=${env.raw.SANDBOX_NAME} npm run sandbox:down`)
      }
      expect(await ids()).toBe(before)
      // Not even keys or an env file of its own: only the empty directory its instance lock lived in.
      const made = existsSync(join(other, '.sandbox')) ? readdirSync(join(other, '.sandbox'), { recursive: true }) : []
      expect(made.filter((f) => !statSync(join(other, '.sandbox', String(f))).isDirectory())).toEqual([])
      expect(await sandboxStatus({ name: env.raw.SANDBOX_NAME! }, () => {})).toBe(true)
    } finally {
      rmSync(other, { recursive: true, force: true })
    }
  })

  test('status reports every part up', async () => {
    const lines: string[] = []
    expect(await sandboxStatus({ name: env.raw.SANDBOX_NAME! }, (l) => lines.push(l))).toBe(true)
    expect(lines.filter((l) => l.includes('ssh+docker up'))).toHaveLength(env.servers.length)
    expect(lines.join('\n')).toMatch(/registry https:\/\/.* up/)
  })

  test('the env file round-trips through a real shell', () => {
    const text = formatEnv({ ...(env.raw as unknown as WrittenEnv), SANDBOX_REGISTRY_PASSWORD: `pa'ss $x \`y\`` })
    const printed = execFileSync('sh', ['-c', `${text}printf '%s' "$SANDBOX_REGISTRY_PASSWORD|$SANDBOX_SERVERS"`], {
      encoding: 'utf8',
    })
    expect(printed).toBe(`pa'ss $x \`y\`|${env.servers.join(' ')}`)
    expect(parseEnv(text).SANDBOX_REGISTRY_PASSWORD).toBe(`pa'ss $x \`y\``)
  })

  test('a 10-server sandbox comes up as its own instance and goes away without a trace', async () => {
    // Named and numbered after this run's own instance, so two checkouts' test runs never share it.
    const own = layout(optionsFromEnv(process.env))
    const [a, b, c] = own.subnet.split('.').map(Number) as [number, number, number]
    const big = { name: `${own.name}-ten`, subnet: `${a}.${b}.${(c + 100) % 256}`, lbPort: own.lbPort + 100 }
    try {
      const up = await sandboxUp({ ...big, servers: 10 })
      console.log(`10-server sandbox ready in ${up.seconds.toFixed(1)}s`)
      const ips = up.env.SANDBOX_SERVERS.split(' ')
      expect(ips).toHaveLength(10)
      const tenEnv = readSandboxEnv(big.name)
      const hostnames = await Promise.all(
        ips.map((ip) => sshExec(ip, 'docker info --format "{{.Name}}"', { env: tenEnv })),
      )
      expect(hostnames.map((h) => h.stdout.trim())).toEqual(
        layout({ ...big, servers: 10 }).servers.map((s) => s.container),
      )
      expect((await httpGet(up.env.SANDBOX_LB_URL)).status).toBe(502)
    } finally {
      await sandboxDown(big)
    }
    const l = layout(big)
    expect(
      (
        await docker(['ps', '-a', '--filter', `label=slipway.sandbox.instance=${big.name}`, '--format', '{{.Names}}'])
      ).stdout.trim(),
    ).toBe('')
    expect((await exec([env.docker, 'network', 'inspect', l.network], { allowFailure: true })).code).not.toBe(0)
    expect(existsSync(l.envFile)).toBe(false)
    expect(existsSync(join('/etc/docker/certs.d', l.registry))).toBe(false)
    const procs = (await exec(['ps', '-eo', 'stat=,args='])).stdout
      .split('\n')
      .filter((p) => !p.startsWith('Z') && p.includes(l.dir))
    expect(procs).toEqual([])
    // The shared sandbox is untouched.
    expect((await sshExec(env.servers[0]!, 'true')).code).toBe(0)
  })
})
