import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { readSandboxEnv, sshExec, uniqueService } from './support/sandbox.ts'
import { appRepo, site } from './support/app-repo.ts'

// `tasks/rollback.ts VERSION` on the sandbox: two versions deployed, then back to the first one
// from its retained image, with the site polled the whole time.
const sandbox = readSandboxEnv()
const [s1, s2, s3] = sandbox.servers as [string, string, string]
const app = appRepo({ service: uniqueService('rollback') })
let v1 = ''
let v2 = ''

const imageId = async (host: string, tag: string): Promise<string> =>
  (
    await sshExec(host, `docker image inspect --format '{{.Id}}' ${sandbox.registry}/e2e/${app.service}:${tag}`)
  ).stdout.trim()

beforeAll(async () => {
  v1 = await app.init()
  const first = await app.script('deploy')
  expect(first.code, first.stderr).toBe(0)
  writeFileSync(join(app.dir, 'demo/www/extra.txt'), 'v2\n')
  v2 = await app.commit('v2')
  const second = await app.script('deploy')
  expect(second.code, second.stderr).toBe(0)
  expect(await site(app.service)).toEqual({ status: 200, body: v2 })
})
afterAll(() => app.cleanup())

describe('tasks/rollback.ts', () => {
  test('rolls back to the previous version with no failed request, and latest moves to it', async () => {
    const statuses = new Map<string, number>()
    let polling = true
    const poller = (async () => {
      while (polling) {
        const { status, body } = await site(app.service).catch((e: Error) => ({ status: 0, body: e.message }))
        const key = `${status} ${body}`
        statuses.set(key, (statuses.get(key) ?? 0) + 1)
      }
    })()
    const started = performance.now()
    const result = await app.script('rollback', [v1])
    const seconds = (performance.now() - started) / 1000
    polling = false
    await poller
    expect(result.code, result.stderr).toBe(0)
    console.log(
      `rollback took ${seconds.toFixed(1)} s; answers while it ran: ${JSON.stringify(Object.fromEntries(statuses))}`,
    )
    // Every answer was a 200 from one of the two versions.
    expect([...statuses.keys()].every((k) => k === `200 ${v1}` || k === `200 ${v2}`)).toBe(true)

    expect(await site(app.service)).toEqual({ status: 200, body: v1 })
    const version = await app.script('app', ['version'])
    expect(version.stdout).toBe(`Host: ${s1}\n${v1}\n\nHost: ${s2}\n${v1}\n\nHost: ${s3}\n${v1}\n\n`)
    for (const host of [s1, s2, s3]) expect(await imageId(host, 'latest')).toBe(await imageId(host, v1))
    // The old v1 container was renamed out of the way; a fresh one serves; v2 is stopped, not gone.
    const names = (
      await sshExec(s1, `docker ps -a --filter label=service=${app.service} --format '{{.Names}} {{.State}}'`)
    ).stdout
    expect(names).toContain(`${app.service}-web-${v1} running`)
    expect(names).toContain(`${app.service}-web-${v2} exited`)
    expect(names).toMatch(new RegExp(`${app.service}-web-${v1}_replaced_[0-9a-f]+ exited`))
    expect((await app.script('lock', ['status'])).stdout).toBe('There is no deploy lock\n')
  })

  test('a version with no container fails naming where it is missing, and changes nothing', async () => {
    const result = await app.script('rollback', ['0000000'])
    expect(result.code).toBe(1)
    expect(result.stderr).toContain(
      `error: the app version '0000000' is not available as a container: no ${app.service}-web-0000000 on ${s1}`,
    )
    expect(result.stderr).toContain(`no ${app.service}-workers-0000000 on ${s3}`)
    expect(await site(app.service)).toEqual({ status: 200, body: v1 })
    expect((await app.script('lock', ['status'])).stdout).toBe('There is no deploy lock\n')
  })

  test('rollback without a VERSION says what it needs', async () => {
    const result = await app.script('rollback')
    expect(result.code).toBe(1)
    expect(result.stderr).toContain('error: rollback needs the VERSION to go back to')
  })
})
