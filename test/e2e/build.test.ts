import { execFileSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { Listr } from 'listr2'
import { afterAll, describe, expect, test } from 'vitest'
import { clonePaths } from '../../lib/build/clone.ts'
import { detectEngine } from '../../lib/build/engine.ts'
import { localExecutor } from '../../lib/exec/local.ts'
import { Secret } from '../../lib/shell/command.ts'
import { buildImage, loginRegistryLocally, pushImage } from '../../tasks/steps/build.ts'
import { git, makeConfig, makeContext, tempRepo } from '../build/support.ts'
import { readSandboxEnv } from './support/sandbox.ts'

// Real docker builds from a real git clone, pushed to the sandbox registry and pulled back.
const sandbox = readSandboxEnv()
const id = randomBytes(4).toString('hex')
const cleanup: (() => void)[] = []
afterAll(() => {
  for (const step of cleanup.reverse()) step()
})

const docker = (...args: string[]): string =>
  execFileSync('docker', args, {
    encoding: 'utf8',
    env: { ...process.env, DOCKER_CONFIG: sandbox.dockerConfig },
  }).trim()

function project(builder: Record<string, unknown>, dockerfile: string) {
  const root = tempRepo({
    Dockerfile: dockerfile,
    '.dockerignore': 'secret.txt\n',
    'secret.txt': 'committed but docker-ignored\n',
  })
  writeFileSync(join(root, 'wip.txt'), 'uncommitted\n')
  const service = `e2ebuild${id}`
  const config = makeConfig(
    {
      service,
      image: `e2e/build-${id}`,
      registry: { server: sandbox.registry, username: sandbox.registryUser, password: ['REGISTRY_PASSWORD'] },
      builder,
    },
    { root },
  )
  // The sandbox's password, not makeConfig's placeholder.
  const registry = { ...config.registry, password: new Secret(sandbox.registryPassword) }
  const env = { DOCKER_CONFIG: sandbox.dockerConfig, E2E_BUILD_TOKEN: 'token-value-1234' }
  const ctx = makeContext({ ...config, registry }, localExecutor({ cwd: root, env }), {
    version: git(root, 'rev-parse', 'HEAD'),
  })
  cleanup.push(() => rmSync(root, { recursive: true, force: true }))
  cleanup.push(() =>
    rmSync(clonePaths(service, { projectDir: root, gitRoot: root }).cloneDir, { recursive: true, force: true }),
  )
  return { root, ctx, repo: config.repository }
}

describe('build and push through the sandbox registry', () => {
  test('the engine is detected, not assumed', async () => {
    const engine = await detectEngine(localExecutor({ cwd: process.cwd() }))
    // This machine has no buildx; Debian's 20.10 client has BuildKit built in (docs/sandbox.md).
    expect(engine.kind).not.toBe('legacy')
  })

  test('clean clone → docker build → push; the pulled image has the commit only, with the service label', async () => {
    const p = project({ multiarch: false }, `FROM ${sandbox.baseImage}\nCOPY . /srv/\n`)
    const started = performance.now()
    await new Listr([loginRegistryLocally(), buildImage(), pushImage()], {
      ctx: p.ctx,
      renderer: 'silent',
      exitOnError: true,
    }).run()
    const seconds = (performance.now() - started) / 1000
    console.log(`build+push of a fresh clone: ${seconds.toFixed(2)}s`)
    const versioned = `${p.repo}:${p.ctx.version}`
    cleanup.push(
      () => void execFileSync('docker', ['image', 'rm', '--force', versioned, `${p.repo}:latest`], { stdio: 'ignore' }),
    )

    docker('image', 'rm', '--force', versioned, `${p.repo}:latest`)
    docker('pull', versioned)
    expect(docker('image', 'inspect', '--format', '{{ .Config.Labels.service }}', versioned)).toBe(p.ctx.config.service)
    const container = docker('create', versioned, 'true')
    cleanup.push(() => void execFileSync('docker', ['rm', '--force', container], { stdio: 'ignore' }))
    const files = execFileSync('sh', ['-c', 'docker cp "$1:/srv" - | tar -tf -', 'sh', container], {
      encoding: 'utf8',
    }).split('\n')
    expect(files).toContain('srv/app.txt')
    expect(files).toContain('srv/Dockerfile')
    expect(files).not.toContain('srv/secret.txt')
    expect(files).not.toContain('srv/wip.txt')
    expect(p.ctx.report.warnings).toEqual([
      'Building from a local git clone, so ignoring these uncommitted changes:\n?? wip.txt',
    ])
    expect(docker('pull', `${p.repo}:latest`)).toContain('latest')
  })

  test('a build secret reaches RUN --mount from the environment, never argv or the image', async () => {
    const dockerfile = `FROM ${sandbox.baseImage}\nRUN --mount=type=secret,id=E2E_BUILD_TOKEN wc -c < /run/secrets/E2E_BUILD_TOKEN > /token-length\n`
    const p = project({ multiarch: false, secrets: ['E2E_BUILD_TOKEN'] }, dockerfile)
    await new Listr([buildImage()], { ctx: p.ctx, renderer: 'silent', exitOnError: true }).run()
    const versioned = `${p.repo}:${p.ctx.version}`
    cleanup.push(
      () => void execFileSync('docker', ['image', 'rm', '--force', versioned, `${p.repo}:latest`], { stdio: 'ignore' }),
    )
    expect(docker('run', '--rm', versioned, 'cat', '/token-length').trim()).toBe('16')
    expect(docker('history', '--no-trunc', versioned)).not.toContain('token-value-1234')
  })
})
