import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest'
import { appRepo, SLIPWAY } from './support/app-repo.ts'
import {
  allGone,
  containers,
  editConfig,
  engine,
  latestOn,
  launch,
  lockHeld,
  moreVersions,
  processes,
  served,
  traffic,
  viaServer,
  withSsh,
} from './support/faults.ts'
import { registryGate, type RegistryGate } from './support/registry-gate.ts'
import { readSandboxEnv, uniqueService } from './support/sandbox.ts'

// Ctrl-C in each phase that is not the boot (cancel.test.ts has that one) and the registry going
// away during the pull. Ctrl-C is a SIGINT to the run's whole process group, as a terminal sends it.
// Each run ends within a bound, says where it stopped, releases the lock, keeps serving (the old
// version, or the new one once the switch is done), leaves nothing new running, and the rerun succeeds.
const sandbox = readSandboxEnv()
const [s1, s2, s3] = sandbox.servers as [string, string, string]
const app = appRepo({ service: uniqueService('fc'), web: [sandbox.servers[0]!, `${sandbox.servers[1]}: canary`] })

const CONNECT = 3
const KEEPALIVE = 1
// A cancelled local command's process group gets SIGKILL this long after SIGTERM (lib/exec/local.ts).
const KILL_AFTER = 2
// Ending node, closing ssh connections, releasing the lock: what any cancel adds (generous: 2 busy cores).
const SLACK = 10
// Starting node and tsx, git and the pull: the part of a run no fault changes.
const OVERHEAD = 30

const deploy = (args: string[]) =>
  launch([join(SLIPWAY, 'node_modules/.bin/tsx'), join(SLIPWAY, 'tasks/deploy.ts'), ...args], {
    cwd: app.dir,
    env: app.env,
  })
/** Ctrl-C: SIGINT to the whole process group (tsx, node, a running docker build…). */
const ctrlC = (run: ReturnType<typeof deploy>) => process.kill(-run.child.pid!, 'SIGINT')
const web = (version: string) => `${app.service}-web-${version} running`
const running = async (host: string) => (await containers(app, host)).filter((c) => c.endsWith(' running'))
const servedNow = async () => {
  const version = await served(sandbox.lbUrl, app.service)
  expect(version).toMatch(/^[0-9a-f]{40}$|^c\d$/)
  return version
}
/** The figures of a scenario, printed for docs/faults.md. */
const report = (
  fault: string,
  code: number | null,
  seconds: number,
  after: string,
  seen: { answers: readonly string[]; odd: readonly string[] },
) =>
  console.log(
    `${fault}: exit ${code} ${seconds.toFixed(1)} s ${after}; ${seen.answers.length} requests, ${seen.odd.length} failed`,
  )
const nothingOf = async (version: string) => {
  for (const host of [s1, s2, s3])
    expect((await containers(app, host)).filter((c) => c.includes(`-${version} `))).toEqual([])
}
const rerun = async (version: string, args = ['--skip-push', '--version', version]) => {
  const again = await deploy(args).done
  expect(again.code, again.output).toBe(0)
  for (const host of [s1, s2]) expect(await running(host)).toEqual([web(version)])
  expect(await running(s3)).toEqual([`${app.service}-workers-${version} running`])
}

let config = ''
let gate: RegistryGate | undefined
beforeAll(async () => {
  editConfig(app, (yml) =>
    withSsh(yml, `connect_timeout: ${CONNECT}\nkeepalive_interval: ${KEEPALIVE}\nkeepalive_maxcount: 3`),
  )
  editConfig(app, (yml) => (config = yml))
  const v1 = await app.init()
  const first = await deploy([]).done
  expect(first.code, first.output).toBe(0)
  await moreVersions(app, v1, ['c1', 'c2', 'c3'])
}, 300_000)
afterEach(async () => {
  await gate?.close()
  gate = undefined
  await engine('CONT', s2, sandbox).catch(() => {})
  editConfig(app, () => config)
  rmSync(join(app.dir, '.kamal'), { recursive: true, force: true })
})
afterAll(() => app.cleanup())

describe('Ctrl-C and the registry', () => {
  test('Ctrl-C during the build: the build and its container end, nothing reaches a server, exit 130', async () => {
    const dockerfile = join(app.dir, 'demo/Dockerfile')
    const original = readFileSync(dockerfile, 'utf8')
    // A build step long enough to be surely running when Ctrl-C comes; its length marks it in `ps`.
    const step = `sleep ${3000 + Math.floor(Math.random() * 1000)}`
    writeFileSync(dockerfile, original.replace('COPY demo/www/ /www/', `RUN ${step}\nCOPY demo/www/ /www/`))
    const version = await app.commit('a slow build')
    const before = await servedNow()
    const load = traffic(app.service, [sandbox.lbUrl])
    const run = deploy([])
    const deadline = Date.now() + 120_000
    while (processes(step).length === 0) {
      if (run.child.exitCode !== null || Date.now() > deadline)
        throw new Error(`the build step never ran:\n${run.output()}`)
      await new Promise((r) => setTimeout(r, 100))
    }
    const building = processes(step)
    const sent = Date.now()
    ctrlC(run)
    const end = await run.done
    const seconds = (Date.now() - sent) / 1000
    // The build step's process (in the local engine's build container) ends too.
    await allGone(building, (KILL_AFTER + SLACK) * 1000)
    const seen = await load.stop()
    report('Ctrl-C during the build', end.code, seconds, 'after Ctrl-C', seen)

    expect(end.code, end.output).toBe(130)
    expect(seconds, end.output).toBeLessThan(KILL_AFTER + SLACK)
    expect(end.output).toContain('Cancelling')
    // The step and where it ran: the build on this machine.
    expect(end.output).toMatch(/cancelled `[^`]*docker build [^`]*` on localhost/)
    expect(await lockHeld(app, s1)).toBe(false)
    expect(
      seen.answers.filter((v) => v !== before),
      seen.odd.join('\n'),
    ).toEqual([])
    await nothingOf(version)

    writeFileSync(dockerfile, original)
    const fixed = await app.commit('the build step removed')
    await rerun(fixed, [])
  })

  test('Ctrl-C while the pull waits on the registry: exit 130 at once, before the lock, nothing changed', async () => {
    gate = await registryGate()
    editConfig(app, (yml) => yml.replace(`server: ${sandbox.registry}`, `server: ${gate!.server}`))
    gate.set('hold', new RegExp(`/v2/e2e/${app.service}/manifests/c1$`))
    const before = await servedNow()
    const load = traffic(app.service, [sandbox.lbUrl])
    const run = deploy(['--skip-push', '--version', 'c1'])
    await Promise.race([gate.matched(3), run.done.then((end) => Promise.reject(new Error(end.output)))])
    const sent = Date.now()
    ctrlC(run)
    const end = await run.done
    const seconds = (Date.now() - sent) / 1000
    const seen = await load.stop()
    report('Ctrl-C during the pull', end.code, seconds, 'after Ctrl-C', seen)

    expect(end.code, end.output).toBe(130)
    expect(seconds, end.output).toBeLessThan(SLACK)
    expect(end.output).toContain('Cancelling')
    expect(end.output).toContain(`the same failure on 3 hosts (${[s1, s2, s3].join(', ')})`)
    expect(end.output).toMatch(new RegExp(`cancelled \`[^\`]*docker pull ${gate.server}/e2e/${app.service}:c1`))
    expect(await lockHeld(app, s1)).toBe(false)
    expect(
      seen.answers.filter((v) => v !== before),
      seen.odd.join('\n'),
    ).toEqual([])
    await nothingOf('c1')

    gate.set('pass')
    await rerun('c1')
  })

  test('the registry gone during the pull: every host fails the pull, named, before the lock; nothing changed', async () => {
    gate = await registryGate()
    editConfig(app, (yml) => yml.replace(`server: ${sandbox.registry}`, `server: ${gate!.server}`))
    gate.set('gone', new RegExp(`/v2/e2e/${app.service}/manifests/c2$`))
    const before = await servedNow()
    const load = traffic(app.service, [sandbox.lbUrl])
    const end = await deploy(['--skip-push', '--version', 'c2']).done
    const seen = await load.stop()
    report('registry gone during the pull', end.code, end.seconds, 'after the start', seen)

    expect(end.code, end.output).toBe(1)
    expect(end.seconds, end.output).toBeLessThan(CONNECT + OVERHEAD)
    for (const host of [s1, s2, s3]) expect(end.output).toContain(host)
    expect(end.output).toContain(`docker pull ${gate.server}/e2e/${app.service}:c2`)
    expect(end.output).toMatch(new RegExp(`${gate.server}.*(connection refused|EOF|connection reset)`))
    expect(await lockHeld(app, s1)).toBe(false)
    expect(
      seen.answers.filter((v) => v !== before),
      seen.odd.join('\n'),
    ).toEqual([])
    await nothingOf('c2')

    await gate.reopen()
    await rerun('c2')
  })

  test('Ctrl-C during tag and prune: latest moves on every host, the post-deploy hook is skipped, exit 130', async () => {
    // s1's new container takes 6 s to listen, so s2 has long finished its boot when the tag starts
    // (Docker's checks every 3 s let it start that slowly without being called unhealthy).
    editConfig(app, (yml) =>
      yml
        .replace(`      - ${s1}\n`, `      - ${s1}: slow\n`)
        .replace('healthcheck:\n', 'healthcheck:\n  interval: 3s\n')
        .replace('  tags:\n', '  tags:\n    slow:\n      DEMO_START_DELAY: "6"\n'),
    )
    const hooks = join(app.dir, '.kamal/hooks')
    mkdirSync(hooks, { recursive: true })
    const hookRan = join(app.dir, 'post-deploy-ran')
    writeFileSync(join(hooks, 'post-deploy'), `#!/bin/sh\ntouch '${hookRan}'\n`)
    chmodSync(join(hooks, 'post-deploy'), 0o755)
    const before = await servedNow()
    // Through s1's proxy: a frozen engine stops Docker's DNS on s2 too, so s2's caddy cannot find any container then.
    const load = traffic(app.service, [viaServer(s1)])
    const run = deploy(['--skip-push', '--version', 'c3'])
    // The first web container serving is s2's: freeze s2's engine, so its tag waits for it.
    await run.until(new RegExp(`${app.service}-web-c3 is serving`))
    await engine('STOP', s2, sandbox)
    await run.until(/Tag latest and prune/)
    ctrlC(run)
    await run.until(/Cancelling/)
    await new Promise((r) => setTimeout(r, 1000))
    const thawed = Date.now()
    await engine('CONT', s2, sandbox)
    const end = await run.done
    const seconds = (Date.now() - thawed) / 1000
    const seen = await load.stop()
    report('Ctrl-C during tag and prune', end.code, seconds, 'after the engine thawed', seen)

    expect(end.code, end.output).toBe(130)
    expect(seconds, end.output).toBeLessThan(SLACK)
    expect(end.output).toContain(`Deployed ${app.service}@c3 on 3 hosts (${[s1, s2, s3].join(', ')})`)
    expect(end.output).toContain(
      'cancelled: the steps already running finished; the ones after them (prune, hooks) were skipped',
    )
    for (const host of [s1, s2, s3]) expect(await latestOn(app, host, sandbox.registry), host).toBe('c3')
    expect(existsSync(hookRan), end.output).toBe(false)
    expect(await lockHeld(app, s1)).toBe(false)
    expect(
      seen.answers.filter((v) => v !== before && v !== 'c3'),
      seen.odd.join('\n'),
    ).toEqual([])
    for (const host of [s1, s2]) expect(await running(host)).toEqual([web('c3')])

    editConfig(app, () => config)
    await rerun('c3')
    expect(existsSync(hookRan)).toBe(true)
  })
})
