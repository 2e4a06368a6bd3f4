import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, expect, test } from 'vitest'
import { readSandboxEnv, sshExec, uniqueService } from './support/sandbox.ts'
import { appRepo } from './support/app-repo.ts'

// The prune at the end of every deploy, on real servers: with retain_containers: 1, three deploys
// leave each role the running version and one stopped one, with their images and latest; the
// oldest version's container and image tag are gone, and so is a leftover of Kamal ≤ 1.5's
// healthcheck step. Other services' stopped containers are not touched.
const sandbox = readSandboxEnv()
const [s1, , s3] = sandbox.servers as [string, string, string]
const app = appRepo({ service: uniqueService('prune') })
const image = `${sandbox.registry}/e2e/${app.service}`
afterAll(async () => {
  await Promise.all(
    [s1, s3].map((host) =>
      sshExec(host, `docker rm -f ${app.service}-hc-leftover ${app.service}-neighbour`, { allowFailure: true }),
    ),
  )
  await app.cleanup()
})

const lines = async (host: string, script: string): Promise<string[]> =>
  (await sshExec(host, script)).stdout.split('\n').filter(Boolean).sort()

test('three deploys with retain_containers: 1 keep the running and one stopped container per role, and their images', async () => {
  const v1 = await app.init()
  const yml = join(app.dir, 'deploy.yml')
  writeFileSync(yml, readFileSync(yml, 'utf8').replace('retain_containers: 2', 'retain_containers: 1'))
  const versions = [v1]
  for (const n of [2, 3]) {
    const deployed = await app.script('deploy')
    expect(deployed.code, deployed.stderr).toBe(0)
    writeFileSync(join(app.dir, 'demo/www/n.txt'), `${n}\n`)
    versions.push(await app.commit(`v${n}`))
  }
  const [, v2, v3] = versions as [string, string, string]
  // Stopped containers the prune must remove (a Kamal ≤ 1.5 healthcheck leftover) and leave (another service's).
  for (const host of [s1, s3]) {
    await sshExec(
      host,
      `docker create --name ${app.service}-hc-leftover --label service=healthcheck-${app.service} ${image}:${v2} >/dev/null && ` +
        `docker create --name ${app.service}-neighbour --label service=${app.service}-neighbour ${image}:${v2} >/dev/null`,
    )
  }
  const third = await app.script('deploy')
  expect(third.code, third.stderr).toBe(0)

  for (const [host, role] of [
    [s1, 'web'],
    [s3, 'workers'],
  ] as const) {
    const prefix = `${app.service}-${role}`
    expect(
      await lines(
        host,
        `docker ps --filter label=service=${app.service} --filter label=role=${role} --format '{{.Names}}'`,
      ),
    ).toEqual([`${prefix}-${v3}`])
    expect(
      await lines(
        host,
        `docker ps -a --filter status=exited --filter label=service=${app.service} --filter label=role=${role} --format '{{.Names}}'`,
      ),
    ).toEqual([`${prefix}-${v2}`])
    expect(await lines(host, `docker ps -a --filter name=${app.service}-hc-leftover --format '{{.Names}}'`)).toEqual([])
    expect(await lines(host, `docker ps -a --filter name=${app.service}-neighbour --format '{{.Names}}'`)).toEqual([
      `${app.service}-neighbour`,
    ])
    expect(await lines(host, `docker image ls ${image} --format '{{.Tag}}'`)).toEqual(['latest', v2, v3].sort())
  }
  expect(v1).not.toBe(v2)
})
