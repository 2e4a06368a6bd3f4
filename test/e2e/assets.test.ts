import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { readSandboxEnv, sshExec, uniqueService } from './support/sandbox.ts'
import { appRepo, site } from './support/app-repo.ts'

// Asset bridging (`asset_path`) on the sandbox, as Kamal's own integration test checks it: after a
// deploy of v2, whose image no longer has v1's asset, both versions' assets (and hidden files) are
// served, and none failed while the deploy switched containers; then a rollback to v1, and a
// mistaken asset_path.
const sandbox = readSandboxEnv()
const [s1, , s3] = sandbox.servers as [string, string, string]
const app = appRepo({ service: uniqueService('assets'), extra: 'asset_path: /www/assets\n' })
const assets = join(app.dir, 'demo/www/assets')
let v1 = ''
let v2 = ''

const ls = async (host: string, dir: string): Promise<string> =>
  (await sshExec(host, `ls -A .kamal/assets/${dir} | grep '^${app.service}-' || true`)).stdout.trim()

beforeAll(async () => {
  mkdirSync(assets, { recursive: true })
  writeFileSync(join(assets, 'v1.css'), 'v1\n')
  writeFileSync(join(assets, '.hidden'), 'hidden\n')
  v1 = await app.init()
  const first = await app.script('deploy')
  expect(first.code, first.stderr).toBe(0)
})
afterAll(() => app.cleanup())

describe('asset bridging', () => {
  test('a deploy serves both versions’ assets, with no failed request while it switches', async () => {
    rmSync(join(assets, 'v1.css'))
    mkdirSync(join(assets, 'v2'))
    writeFileSync(join(assets, 'v2/app.css'), 'v2\n')
    v2 = await app.commit('v2')
    const answers = new Map<string, number>()
    let polling = true
    const poller = (async () => {
      while (polling) {
        for (const path of ['/assets/v1.css', '/version']) {
          const { status } = await site(app.service, path).catch(() => ({ status: 0 }))
          const key = `${path} ${status}`
          answers.set(key, (answers.get(key) ?? 0) + 1)
        }
      }
    })()
    const result = await app.script('deploy')
    polling = false
    await poller
    expect(result.code, result.stderr).toBe(0)
    expect([...answers.keys()].sort()).toEqual(['/assets/v1.css 200', '/version 200'])

    expect(await site(app.service)).toEqual({ status: 200, body: v2 })
    expect(await site(app.service, '/assets/v1.css')).toEqual({ status: 200, body: 'v1\n' })
    expect(await site(app.service, '/assets/v2/app.css')).toEqual({ status: 200, body: 'v2\n' })
    expect(await site(app.service, '/assets/.hidden')).toEqual({ status: 200, body: 'hidden\n' })
    // Only the current version's dirs are left; the workers (not behind the proxy) bridge nothing.
    const web = `${app.service}-web-${v2}`
    expect(await ls(s1, 'extracted')).toBe(web)
    expect(await ls(s1, 'volumes')).toBe(web)
    expect(await ls(s3, 'volumes')).toBe('')
    const mounts = await sshExec(
      s1,
      `docker inspect --format '{{range .Mounts}}{{.Source}}:{{.Destination}}{{end}}' ${web}`,
    )
    expect(mounts.stdout.trim()).toBe(`/root/.kamal/assets/volumes/${web}:/www/assets`)
  })

  test('a rollback extracts its version’s assets again, and serves both versions’ assets', async () => {
    const result = await app.script('rollback', [v1])
    expect(result.code, result.stderr).toBe(0)
    expect(await site(app.service)).toEqual({ status: 200, body: v1 })
    expect(await site(app.service, '/assets/v1.css')).toEqual({ status: 200, body: 'v1\n' })
    expect(await site(app.service, '/assets/v2/app.css')).toEqual({ status: 200, body: 'v2\n' })
    expect(await ls(s1, 'volumes')).toBe(`${app.service}-web-${v1}`)
  })

  test('an asset_path missing from the image fails naming the host and path, and the version serving keeps serving', async () => {
    const yml = join(app.dir, 'deploy.yml')
    writeFileSync(yml, readFileSync(yml, 'utf8').replace('asset_path: /www/assets', 'asset_path: /www/missing'))
    await app.commit('v3')
    const result = await app.script('deploy')
    expect(result.code).toBe(1)
    expect(result.stderr).toContain(s1)
    expect(result.stderr).toContain('asset_path /www/missing: could not copy it out of ')
    expect(result.stderr).not.toMatch(/\n\s+at /)
    expect(await site(app.service)).toEqual({ status: 200, body: v1 })
    expect((await app.script('lock', ['status'])).stdout).toBe('There is no deploy lock\n')
    const boxes = await sshExec(s1, `docker ps -a --filter name=${app.service} --format '{{.Names}}'`)
    expect(boxes.stdout).not.toContain('-assets')
  })
})
