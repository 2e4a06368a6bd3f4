import { writeFileSync } from 'node:fs'
import { request } from 'node:http'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { readSandboxEnv, sshExec, uniqueService } from './support/sandbox.ts'
import { appRepo } from './support/app-repo.ts'

// `tasks/lock.ts` on the sandbox, as Kamal's integration suite does it: a held lock shows who holds
// it and why, and stops a deploy before it changes any container.
const sandbox = readSandboxEnv()
const [s1] = sandbox.servers as [string]
// One web host keeps the deploys short; the lock lives on it (the primary host).
const app = appRepo({ service: uniqueService('lock'), web: [s1], workers: [s1] })
let v1 = ''

const lock = async (...args: string[]) => app.script('lock', args)

/** GET /version through s1's own proxy port (the load balancer also reaches s2, which this app does not use). */
function viaServer(): Promise<{ status: number; body: string }> {
  return new Promise((done, fail) => {
    const req = request(
      {
        host: s1,
        port: 80,
        path: '/version',
        headers: { host: `${app.service}.test`, connection: 'close' },
        timeout: 10_000,
      },
      (res) => {
        let body = ''
        res.on('data', (c: Buffer) => (body += c.toString()))
        res.on('end', () => done({ status: res.statusCode ?? 0, body }))
      },
    )
    req.on('error', fail).on('timeout', () => req.destroy(new Error('GET /version timed out')))
    req.end()
  })
}

/** Every container of the app on every server with its id and state: "nothing changed" compares these. */
async function snapshot(): Promise<string> {
  const all = await Promise.all(
    sandbox.servers.map((h) =>
      sshExec(h, `docker ps -a --filter label=service=${app.service} --format '{{.ID}} {{.Names}} {{.State}}'`),
    ),
  )
  return all.map((r) => r.stdout.trim()).join('\n')
}

beforeAll(async () => {
  v1 = await app.init()
  const deploy = await app.script('deploy')
  expect(deploy.code, deploy.stderr).toBe(0)
})
afterAll(async () => {
  await lock('release')
  await app.cleanup()
})

describe('tasks/lock.ts', () => {
  test('status without a lock', async () => {
    expect(await lock('status')).toMatchObject({ code: 0, stdout: 'There is no deploy lock\n' })
  })

  test('acquire -m, status shows who and why, a second acquire fails naming the holder', async () => {
    expect(await lock('acquire', '-m', 'Integration Tests')).toMatchObject({
      code: 0,
      stdout: 'Acquired the deploy lock\n',
    })
    const status = await lock('status')
    expect(status.code).toBe(0)
    expect(status.stdout).toMatch(
      new RegExp(`^Locked by: .+ at \\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z\\nVersion: ${v1}\\nMessage: Integration Tests\\n$`),
    )
    // It is a directory on the primary host, with the details base64-encoded inside.
    expect((await sshExec(s1, `test -d .kamal/locks/${app.service} && echo held`)).stdout).toBe('held\n')

    const again = await lock('acquire', '-m', 'second')
    expect(again.code).toBe(1)
    expect(again.stderr).toContain(`error: deploy lock found on ${s1}:\nLocked by: `)
    expect(again.stderr).toContain('Message: Integration Tests\nRun `slipway lock release` if it is stale.')
  })

  test('a deploy while locked fails with the lock message and changes no container', async () => {
    const before = await snapshot()
    writeFileSync(join(app.dir, 'demo/www/extra.txt'), 'v2\n')
    await app.commit('v2')
    const deploy = await app.script('deploy')
    expect(deploy.code).toBe(1)
    expect(deploy.stderr).toContain('Message: Integration Tests')
    expect(await snapshot()).toBe(before)
    expect(await viaServer()).toEqual({ status: 200, body: v1 })
    // The failed deploy left the other deployer's lock in place.
    expect((await lock('status')).stdout).toContain('Message: Integration Tests')
  })

  test('release, then status says there is none; releasing again says so too', async () => {
    expect(await lock('release')).toMatchObject({ code: 0, stdout: 'Released the deploy lock\n' })
    expect(await lock('status')).toMatchObject({ code: 0, stdout: 'There is no deploy lock\n' })
    expect(await lock('release')).toMatchObject({ code: 0, stdout: 'There is no deploy lock\n' })
  })

  test('acquire needs a message', async () => {
    const result = await lock('acquire')
    expect(result.code).toBe(1)
    expect(result.stderr).toContain('error: lock acquire needs a message: -m MESSAGE')
  })
})
