import { randomBytes } from 'node:crypto'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { exec, httpGet, readSandboxEnv, sshExec, uniqueService } from './support/sandbox.ts'
import { appRepo } from './support/app-repo.ts'
import { follow } from './support/follow.ts'

// `tasks/accessory.ts` on the sandbox, as Kamal's integration test checks accessories through
// `accessory details`: an accessory `web2` (the demo httpd under its own image tag, so removing
// its image cannot touch an image other tests use) on two servers, with a clear and a secret env,
// an ERB file served by httpd, and a data directory.
const sandbox = readSandboxEnv()
const [, s2, s3] = sandbox.servers as [string, string, string]
const service = uniqueService('acc')
const name = `${service}-web2`
const image = `${sandbox.registry}/e2e/${name}:latest`
const port = 20_000 + (randomBytes(2).readUInt16BE() % 10_000)
const secret = `acc-secret-${randomBytes(4).toString('hex')} it's $HOME`
const app = appRepo({
  service,
  extra: `accessories:
  web2:
    image: ${image}
    hosts: [${s2}, ${s3}]
    port: "${port}:80"
    env:
      clear:
        WEB2_GREETING: hi there
      secret: [WEB2_SECRET]
    files:
      - web2/page.html.erb:/www/page.html
    directories:
      - data:/data
`,
})
const hosts = [s2, s3]
const docker = (...args: string[]) => exec([sandbox.docker, ...args], { env: { DOCKER_CONFIG: sandbox.dockerConfig } })

async function accessory(...args: string[]): Promise<{ stdout: string; stderr: string; ms: number }> {
  const started = performance.now()
  const result = await app.script('accessory', args, { WEB2_SECRET: secret })
  expect(result.code, result.stderr).toBe(0)
  expect(result.stdout + result.stderr).not.toContain(secret)
  return { stdout: result.stdout, stderr: result.stderr, ms: Math.round(performance.now() - started) }
}
const re = (host: string): string => host.replaceAll('.', '\\.')
const escape = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
const on = async (host: string, script: string): Promise<string> => (await sshExec(host, script)).stdout.trim()
/** `<id> <state>` of the accessory's container, or '' when there is none. */
const container = (host: string): Promise<string> =>
  on(host, `docker ps -a --filter label=service=${name} --format '{{.ID}} {{.State}}'`)

beforeAll(async () => {
  await docker('tag', sandbox.appImage, image)
  await docker('push', '--quiet', image)
  mkdirSync(join(app.dir, 'web2'))
  writeFileSync(
    join(app.dir, 'web2/page.html.erb'),
    '<p><%= ENV["WEB2_GREETING"] %> from <%= ENV.fetch("WEB2_MISSING", "erb") %></p>\n',
  )
  await app.init()
})
afterAll(async () => {
  await Promise.all(
    sandbox.servers.map((host) =>
      sshExec(
        host,
        `docker rm -f ${name} >/dev/null 2>&1; docker rmi -f ${image} >/dev/null 2>&1; rm -rf ${name} .kamal/env/accessories/${name}.env; true`,
        { allowFailure: true },
      ),
    ),
  )
  await docker('rmi', image).catch(() => undefined)
  await app.cleanup()
})

describe('tasks/accessory.ts', () => {
  test('boot: env (the secret never in argv), the ERB file mounted, the directory created and mounted', async () => {
    const { ms } = await accessory('boot', 'web2')
    console.log(`accessory boot on 2 hosts: ${ms} ms (process start to exit)`)
    for (const host of hosts) {
      expect(await container(host)).toMatch(/^\w+ running$/)
      const env = await on(host, `docker exec ${name} env`)
      expect(env).toContain('WEB2_GREETING=hi there\n')
      expect(env).toContain(`WEB2_SECRET=${secret}`)
      const argv = await on(
        host,
        `docker inspect --format '{{.Path}} {{json .Args}} {{json .Config.Cmd}}' ${name}; cat /proc/[0-9]*/cmdline | tr '\\0' ' '`,
      )
      expect(argv).not.toContain(secret)
      expect(argv).not.toContain('acc-secret-')
      expect(await on(host, `stat -c %a .kamal/env/accessories/${name}.env`)).toBe('600')
      expect(await on(host, `docker exec ${name} cat /www/page.html`)).toBe('<p>hi there from erb</p>')
      expect(await httpGet(`http://${host}:${port}/page.html`)).toMatchObject({
        status: 200,
        body: '<p>hi there from erb</p>\n',
      })
      await on(host, `docker exec ${name} sh -c 'echo written-inside > /data/probe'`)
      expect(await on(host, `cat ${name}/data/probe`)).toBe('written-inside')
    }
  })

  test('boot again refuses and says to reboot; the running container is kept', async () => {
    const before = await container(s2)
    const result = await app.script('accessory', ['boot', 'web2'], { WEB2_SECRET: secret })
    expect(result.code).toBe(1)
    expect(result.stderr).toContain(
      `${s2}: accessory web2 is already booted (container ${name} is running): use reboot to replace it`,
    )
    expect(await container(s2)).toBe(before)
  })

  test('details and logs report per host', async () => {
    const { stdout } = await accessory('details', 'all')
    for (const host of hosts)
      expect(stdout).toMatch(new RegExp(`Host: ${re(host)} \\(web2\\)\\nCONTAINER ID .*\\n.*Up .*${name}\\n`))
    // httpd -v logs each request (without its path), so the last line is some request's, one line long.
    expect((await accessory('logs', 'web2', '-h', s3, '-n', '1')).stdout).toMatch(
      new RegExp(`^Host: ${re(s3)} \\(web2\\)\\n\\S+ [^\\n]*response:200\\n\\n$`),
    )
    // A line on PID 1's stdout is what docker logs reads: found on s3 only, with its timestamp.
    const marker = `marker-${service}`
    await on(s3, `docker exec ${name} sh -c 'echo ${marker} > /proc/1/fd/1'`)
    const logs = await accessory('logs', 'web2', '-g', marker)
    expect(logs.stdout).toMatch(
      new RegExp(
        `^Host: ${re(s2)} \\(web2\\)\\nNothing found\\n\\nHost: ${re(s3)} \\(web2\\)\\n\\S+Z ${marker}\\n\\n$`,
      ),
    )
  })

  test('logs -f follows the accessory on each of its hosts at once until Ctrl-C, lines labelled with host and name', async () => {
    const marker = `follow-${service}`
    const logs = await follow('accessory', ['logs', 'web2', '-f', '-g', marker], {
      cwd: app.dir,
      env: { ...app.env, WEB2_SECRET: secret },
      count: 2,
    })
    const label = (host: string) => `${host} (web2)`.padEnd(Math.max(...hosts.map((h) => `${h} (web2)`.length)))
    for (const host of hosts) {
      await on(host, `docker exec ${name} sh -c 'echo ${marker}-${host} > /proc/1/fd/1'`)
      await logs.seen(new RegExp(`${escape(label(host))} \\| \\S+Z ${marker}-${re(host)}\\n`))
    }
    const end = await logs.stop()
    expect(end.code, end.output).toBe(0)
    expect(logs.lines().map((l) => l.replace(/ \| \S+Z /, ' | '))).toEqual(
      hosts.map((host) => `${label(host)} | ${marker}-${host}`),
    )
    expect(end.output).not.toContain(secret)
  })

  test('exec: a new container with the env and the data directory on each host; --reuse: in the running one', async () => {
    await on(s2, `docker exec ${name} sh -c 'echo kept > /data/mark'`)
    const fresh = await accessory(
      'exec',
      'web2',
      'sh -c "echo $WEB2_GREETING; cat /data/mark 2>/dev/null || echo none"',
    )
    expect(fresh.stdout).toBe(`Host: ${s2} (web2)\nhi there\nkept\n\nHost: ${s3} (web2)\nhi there\nnone\n\n`)
    const reused = await accessory('exec', 'web2', '--reuse', '-h', s3, '--', 'cat', '/www/page.html')
    expect(reused.stdout).toBe(`Host: ${s3} (web2)\n<p>hi there from erb</p>\n\n`)
  })

  test('stop, start and restart change the container state', async () => {
    const id = (await container(s2)).split(' ')[0]
    await accessory('stop', 'web2')
    for (const host of hosts) expect(await container(host)).toMatch(/^\w+ exited$/)
    expect((await accessory('details', 'web2')).stdout).not.toContain(name)
    await accessory('start', 'web2')
    for (const host of hosts) expect(await container(host)).toMatch(/^\w+ running$/)
    const started = await on(s2, `docker inspect --format '{{.State.StartedAt}}' ${name}`)
    await accessory('restart', 'web2')
    expect(await container(s2)).toBe(`${id} running`)
    expect(await on(s2, `docker inspect --format '{{.State.StartedAt}}' ${name}`)).not.toBe(started)
  })

  test('reboot replaces the container with a new one; files and data survive', async () => {
    const before = await Promise.all(hosts.map(container))
    const { ms } = await accessory('reboot', 'web2')
    console.log(`accessory reboot on 2 hosts: ${ms} ms`)
    for (const [i, host] of hosts.entries()) {
      const after = await container(host)
      expect(after).toMatch(/^\w+ running$/)
      expect(after).not.toBe(before[i])
      expect(await on(host, `docker ps -a -q --filter label=service=${name} | wc -l`)).toBe('1')
      expect(await on(host, `docker exec ${name} cat /data/probe /www/page.html`)).toBe(
        'written-inside\n<p>hi there from erb</p>',
      )
    }
  })

  test('remove asks (refused without a terminal), then with -y leaves no container, image, directory or env file', async () => {
    const refused = await app.script('accessory', ['remove', 'web2'], { WEB2_SECRET: secret })
    expect(refused.code).toBe(1)
    expect(refused.stderr).toContain(
      'This deletes the container, image and data directories of web2. Sure? Not asking without a terminal: run it again with -y (--confirmed)',
    )
    expect(await container(s2)).toMatch(/running$/)
    await accessory('remove', 'web2', '-y')
    for (const host of hosts) {
      expect(await container(host)).toBe('')
      expect(await on(host, `docker image ls -q ${image}`)).toBe('')
      expect(await on(host, `ls -d ${name} .kamal/env/accessories/${name}.env 2>/dev/null | wc -l`)).toBe('0')
    }
    expect((await app.script('lock', ['status'], { WEB2_SECRET: secret })).stdout).toBe('There is no deploy lock\n')
  })
})
