import { afterAll, beforeAll, expect, test } from 'vitest'
import * as docker from '../../lib/commands/docker.ts'
import * as health from '../../lib/commands/health.ts'
import { render, type Command } from '../../lib/shell/command.ts'
import { makeConfig } from '../support/config.ts'
import { readSandboxEnv, sshExec, uniqueService } from './support/sandbox.ts'

// The wait's own health check on a real engine older than API 1.44 (the sandbox's Docker 20.10),
// the path deploys take here: it proceeds as soon as the container's own health command passes,
// while Docker still says `starting`, and still fails at once on Docker's `unhealthy`. Docker's
// checks are made to run 30 s apart, so only the own check can have decided within the wait.
const sandbox = readSandboxEnv()
const host = sandbox.servers[0]!
const prefix = uniqueService('health')
const config = makeConfig(`service: ${prefix}
image: e2e/${prefix}
registry: { server: ${sandbox.registry}, username: u, password: [KAMAL_REGISTRY_PASSWORD] }
servers: [${host}]
`)
const web = config.roles[0]!
const CHECK = 'wget -q -O /dev/null http://127.0.0.1/up || exit 1'
const on = (script: string, allowFailure = false) => sshExec(host, script, { allowFailure, env: sandbox })
const remote = (command: Command) => on(render(command, { redact: false }), true)
const start = (name: string, image: string, health: string) =>
  on(`docker run --detach --name ${name} ${health} ${image} >/dev/null`)
const dockerStatus = async (name: string) =>
  (await on(`docker inspect --format '{{.State.Health.Status}}' ${name}`)).stdout.trim()

beforeAll(async () => {
  await sshExec(host, `docker login ${sandbox.registry} -u ${sandbox.registryUser} --password-stdin >/dev/null 2>&1`, {
    env: sandbox,
    input: sandbox.registryPassword,
  })
  await on(`docker pull -q ${sandbox.appImage} >/dev/null && docker pull -q ${sandbox.brokenImage} >/dev/null`)
})
afterAll(async () => {
  await on(`docker ps -aq --filter name=^${prefix}- | xargs -r docker rm -f >/dev/null`, true)
})

test('the sandbox engine predates --health-start-interval (API 1.44): deploys here take the own check', async () => {
  const api = docker.parseApiVersion((await remote(docker.apiVersion())).stdout)
  expect(api).toMatch(/^1\.\d+$/)
  expect(health.startIntervalSupported(api)).toBe(false)
  expect(health.earlyCheck(web, { api, routesOnDockerHealth: false })).toBe('own')
})

test("proceeds on the container's own health command while Docker still says starting", async () => {
  const name = `${prefix}-up`
  await start(name, sandbox.appImage, `--health-cmd '${CHECK}' --health-interval 30s`)
  const wait = await remote(health.waitHealthy(config, web, name, { timeoutSeconds: 20, checkEvery: 0.2 }))
  expect([wait.code, wait.stdout], wait.stderr).toEqual([0, 'by=check\nhealthy\n'])
  expect(await dockerStatus(name)).toBe('starting')
  // Without the own check the same wait has only Docker's status, which says starting until its first check.
  const dockerOnly = await remote(health.waitHealthy(config, web, name, { timeoutSeconds: 1 }))
  expect([dockerOnly.code, dockerOnly.stdout]).toEqual([2, 'starting\n'])
  // Nothing of the wait is left running in the container or on the host.
  expect((await on(`ps -eo args | grep -c '[d]ocker exec' || true`)).stdout.trim()).toBe('0')
})

test("fails at once on Docker's unhealthy while its own health command keeps failing", async () => {
  const name = `${prefix}-broken`
  await start(name, sandbox.brokenImage, `--health-cmd '${CHECK}' --health-interval 0.5s --health-retries 2`)
  const wait = await remote(health.waitHealthy(config, web, name, { timeoutSeconds: 20, checkEvery: 0.2 }))
  expect([wait.code, wait.stdout], wait.stderr).toEqual([1, 'unhealthy\n'])
  expect(await dockerStatus(name)).toBe('unhealthy')
})

test('a container without a health check is ready after readiness_delay, as before', async () => {
  const name = `${prefix}-plain`
  await start(name, sandbox.appImage, '--no-healthcheck')
  const wait = await remote(health.waitHealthy(config, web, name, { readinessDelay: 0.3, checkEvery: 0.2 }))
  expect([wait.code, wait.stdout]).toEqual([0, 'running\n'])
})
