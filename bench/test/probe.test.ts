import { Listr } from 'listr2'
import { describe, expect, test } from 'vitest'
import { parseConfig } from '../../lib/config/load.ts'
import type { DeployContext, DeployTask } from '../../lib/context.ts'
import * as health from '../../lib/commands/health.ts'
import { cmd, pipe, Secret, script } from '../../lib/shell/command.ts'
import { fanOut } from '../../tasks/steps/fan-out.ts'
import { deploySteps } from '../../tasks/steps/recipes.ts'
import { recordingContext } from '../../test/support/context.ts'
import { benchConfig } from '../app-repo.ts'
import { probe, programs } from '../probe.ts'

const servers = ['10.0.0.11', '10.0.0.12', '10.0.0.13']
const env = { SANDBOX_REGISTRY_USER: 'u', SANDBOX_REGISTRY_PASSWORD: 'registry-pw', DEMO_SECRET: 'demo-secret' }
const config = parseConfig(
  benchConfig({
    service: 'bench-t',
    servers,
    registry: '10.0.0.1:5443',
    sshKey: '/k',
    caddyImage: '10.0.0.1:5443/caddy',
  }),
  { env },
)
const wait = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

describe('probe', () => {
  test('times every task, including listrs returned or run in place, and attributes each command to its task', async () => {
    const { ctx } = recordingContext({
      config,
      reply: async (line) => void (line.includes('sleep') && (await wait(30))),
    })
    const steps: DeployTask[] = [
      { title: 'Local', task: (c) => c.local.run(cmd('docker', 'build', '.')).then(() => {}) },
      {
        title: 'Lock',
        // Returned listr: listr2 runs it after the task function has returned.
        task: (_, t) =>
          t.newListr([
            { title: 'Inner', task: async (c) => void (await c.remote('10.0.0.11').run(cmd('sleep', '1'))) },
          ]),
      },
      {
        title: 'Fan',
        task: (_c, t) =>
          fanOut(
            t,
            servers.map((h) => ({
              title: `web on ${h}`,
              run: async (cc) => void (await cc.remote(h).run(cmd('docker', 'run', 'x'))),
            })),
          ),
      },
    ]
    const p = probe()
    await new Listr(p.recipe(steps), { ctx, renderer: 'silent' }).run()

    expect(p.phases.map((s) => s.path.join(' › '))).toEqual([
      'Local',
      'Lock',
      'Lock › Inner',
      'Fan',
      ...servers.map((h) => `Fan › web on ${h}`),
    ])
    const ms = (path: string): number => p.phases.find((s) => s.path.join(' › ') === path)!.ms
    expect(ms('Lock › Inner')).toBeGreaterThanOrEqual(29)
    // The parent's clock runs until its returned listr has finished.
    expect(ms('Lock')).toBeGreaterThanOrEqual(ms('Lock › Inner'))
    expect(p.commands.map((c) => [c.host, c.path.join(' › '), c.what])).toEqual([
      ['localhost', 'Local', 'docker build'],
      ['10.0.0.11', 'Lock › Inner', 'sleep'],
      ...servers.map((h) => [h, `Fan › web on ${h}`, 'docker run']),
    ])
    expect(p.commands[1]!.ms).toBeGreaterThanOrEqual(29)
  })

  test('a failing task still has its time and its failed command recorded, and the error reaches the caller', async () => {
    const { ctx } = recordingContext({ config, reply: () => ({ exitCode: 3, stderr: 'nope' }) })
    const p = probe()
    const steps: DeployTask[] = [
      { title: 'Boom', task: async (c) => void (await c.remote('10.0.0.12').run(cmd('false'))) },
    ]
    await expect(new Listr(p.recipe(steps), { ctx, renderer: 'silent' }).run()).rejects.toThrow('nope')
    expect(p.phases).toHaveLength(1)
    expect(p.phases[0]!.ms).not.toBeNaN()
    expect(p.commands.map((c) => [c.host, c.what])).toEqual([['10.0.0.12', 'false']])
  })

  test('the real deploy recipe runs unchanged under the probe: every command it runs is seen, in a phase', async () => {
    const reply = () => ({ stdout: 'home=~\ncurrent=\ncurrent_version=\n' })
    const plain = recordingContext({ config, reply, flags: { dryRun: true } })
    await new Listr(deploySteps(), { ctx: plain.ctx, renderer: 'silent' }).run()
    const probed = recordingContext({ config, reply, flags: { dryRun: true } })
    const p = probe()
    await new Listr(p.recipe(deploySteps()), { ctx: probed.ctx, renderer: 'silent' }).run()

    // Random ids (hostnames, rename suffixes) and the lock's timestamped details differ between any two runs.
    const shape = (log: readonly string[]): string[] =>
      log
        .map((l) =>
          l.replace(/[0-9a-f]{12,}/g, '<id>').replace(/(\.kamal\/locks\/\S+) [A-Za-z0-9+/]+=*$/, '$1 <details>'),
        )
        .sort()
    expect(shape(probed.log)).toEqual(shape(plain.log))
    expect(p.commands).toHaveLength(probed.log.length)
    expect(p.commands.every((c) => c.path.length > 0)).toBe(true)
    const top = [...new Set(p.phases.filter((s) => s.path.length === 1).map((s) => s.path[0]))]
    expect(top).toEqual(['Build and connect', 'Pull image', 'Deploy lock'])
    const pulls = p.commands.filter((c) => c.path[0] === 'Pull image').map((c) => c.host)
    expect(pulls.sort()).toEqual(servers)
  })
})

describe('programs', () => {
  test('names each program once, docker with its subcommand, env and true left out', () => {
    const command = pipe(
      cmd('env', 'DOCKER_BUILDKIT=0', 'docker', 'build', '-t', 'x', '.'),
      cmd('docker', 'login', 'r', '-u', new Secret('hidden')),
      cmd('docker', 'login', 'again'),
      cmd('true'),
      script('echo "$1"', 'v'),
      cmd('docker', '--config', 'dir', 'push'),
    )
    expect(programs(command)).toBe('docker build, docker login, sh, docker')
    expect(programs(health.waitHealthy(config, config.roles[0]!, 'app-web-v2'))).toBe('sh health-wait.sh')
  })
})
