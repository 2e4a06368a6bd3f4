import { request } from 'node:http'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { readSandboxEnv, sshExec, uniqueService } from './support/sandbox.ts'
import { appRepo, site } from './support/app-repo.ts'

// `tasks/app.ts` on the sandbox: a deployed test app is stopped, started, inspected, rebooted and
// removed through the entry script, run from the app's directory as a user runs it.
const sandbox = readSandboxEnv()
const [s1, s2, s3] = sandbox.servers as [string, string, string]
const app = appRepo({ service: uniqueService('app') })
let v1 = ''

/** `name state` of every container of the app on a host, sorted. */
async function containers(host: string): Promise<string[]> {
  const { stdout } = await sshExec(
    host,
    `docker ps -a --filter label=service=${app.service} --format '{{.Names}} {{.State}}'`,
  )
  return stdout.trim().split('\n').filter(Boolean).sort()
}

/** GET through one server's own proxy port (caddy on :80), with the app's Host. */
function viaServer(host: string, path = '/version'): Promise<{ status: number; body: string }> {
  return new Promise((done, fail) => {
    const req = request(
      { host, port: 80, path, headers: { host: `${app.service}.test`, connection: 'close' }, timeout: 10_000 },
      (res) => {
        let body = ''
        res.on('data', (c: Buffer) => (body += c.toString()))
        res.on('end', () => done({ status: res.statusCode ?? 0, body }))
      },
    )
    req.on('error', fail).on('timeout', () => req.destroy(new Error(`GET ${host}${path} timed out`)))
    req.end()
  })
}

async function script(...args: string[]): Promise<string> {
  const result = await app.script('app', args)
  expect(result.code, result.stderr).toBe(0)
  return result.stdout
}

beforeAll(async () => {
  v1 = await app.init()
  const deploy = await app.script('deploy')
  expect(deploy.code, deploy.stderr).toBe(0)
})
afterAll(() => app.cleanup())

describe('tasks/app.ts', () => {
  test('details, containers, images and version report per host', async () => {
    const [details, list, images, version] = await Promise.all([
      script('details'),
      script('containers'),
      script('images'),
      script('version'),
    ])
    const web = `${app.service}-web-${v1}`
    expect(details).toMatch(new RegExp(`^Host: ${s1} \\(web\\)\\nCONTAINER ID .*\\n.*Up .*\\(healthy\\).*${web}\\n`))
    expect(details).toContain(`Host: ${s3} (workers)\n`)
    expect(details).toContain(`${app.service}-workers-${v1}`)
    for (const host of [s1, s2, s3]) expect(list).toContain(`Host: ${host}\n`)
    expect(images).toMatch(new RegExp(`${sandbox.registry}/e2e/${app.service} +${v1} `))
    expect(images).toMatch(new RegExp(`${sandbox.registry}/e2e/${app.service} +latest `))
    expect(version).toBe(`Host: ${s1}\n${v1}\n\nHost: ${s2}\n${v1}\n\nHost: ${s3}\n${v1}\n\n`)
    expect(await script('stale_containers')).toBe(
      `Host: ${s1} (web)\n(none)\n\nHost: ${s2} (web)\n(none)\n\nHost: ${s3} (workers)\n(none)\n\n`,
    )
  })

  test('logs shows what the current container wrote, and grep filters it', async () => {
    // Write a line to the app's PID 1 stdout, which is what docker logs reads.
    const marker = `marker-${app.service}`
    await sshExec(s1, `docker exec ${app.service}-web-${v1} sh -c 'echo ${marker} > /proc/1/fd/1'`)
    const logs = await script('logs', '-r', 'web', '-g', marker)
    expect(logs).toBe(`Host: ${s1} (web)\n${marker}\n\nHost: ${s2} (web)\nNothing found\n\n`)
    // httpd -v logs every request (the health checks too), so the last line is some request's, one line long.
    expect(await script('logs', '-h', s1, '-n', '1')).toMatch(
      new RegExp(`^Host: ${s1.replaceAll('.', '\\.')} \\(web\\)\\n[^\\n]+\\n\\n$`),
    )
    expect(await script('logs', '-h', s1, '-n', '20')).toContain('response:200')
  })

  test('stop: every current container stops and the proxy answers 502; start: back to 200 when it returns', async () => {
    await script('stop')
    expect(await containers(s1)).toEqual([`${app.service}-web-${v1} exited`])
    expect(await containers(s3)).toEqual([`${app.service}-workers-${v1} exited`])
    expect((await viaServer(s1)).status).toBe(502)
    expect((await viaServer(s2)).status).toBe(502)
    expect((await site(app.service)).status).toBe(502)
    expect(await script('version')).toBe(`Host: ${s1}\n(none)\n\nHost: ${s2}\n(none)\n\nHost: ${s3}\n(none)\n\n`)

    await script('start')
    // start waits until each container is ready, so no polling here.
    expect(await viaServer(s1)).toEqual({ status: 200, body: v1 })
    expect(await viaServer(s2)).toEqual({ status: 200, body: v1 })
    expect(await containers(s3)).toEqual([`${app.service}-workers-${v1} running`])
  })

  test('boot replaces the running container of this version with a fresh one and keeps serving', async () => {
    const before = (await sshExec(s1, `docker inspect --format '{{.Id}}' ${app.service}-web-${v1}`)).stdout.trim()
    await script('boot')
    const after = (await sshExec(s1, `docker inspect --format '{{.Id}}' ${app.service}-web-${v1}`)).stdout.trim()
    expect(after).not.toBe(before)
    const names = await containers(s1)
    expect(names).toContain(`${app.service}-web-${v1} running`)
    expect(names.some((n) => new RegExp(`^${app.service}-web-${v1}_replaced_[0-9a-f]+ exited$`).test(n))).toBe(true)
    expect(await site(app.service)).toEqual({ status: 200, body: v1 })
  })

  test('remove leaves no container and no image of the service, and releases the lock', async () => {
    await script('remove')
    for (const host of [s1, s2, s3]) {
      expect(await containers(host)).toEqual([])
      const images = await sshExec(host, `docker image ls -q ${sandbox.registry}/e2e/${app.service}`)
      expect(images.stdout.trim()).toBe('')
    }
    expect((await viaServer(s1)).status).toBe(502)
    const lock = await app.script('lock', ['status'])
    expect(lock.stdout).toBe('There is no deploy lock\n')
  })

  test('an unknown subcommand fails before connecting, naming the valid ones', async () => {
    const result = await app.script('app', ['reboot'])
    expect(result.code).toBe(1)
    expect(result.stderr).toContain('error: unknown subcommand reboot: use one of boot, start, stop')
  })
})
