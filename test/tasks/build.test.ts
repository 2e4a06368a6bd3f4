import { existsSync, rmSync, unlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { Listr } from 'listr2'
import { afterAll, describe, expect, test } from 'vitest'
import { clonePaths } from '../../lib/build/clone.ts'
import type { DeployContext } from '../../lib/context.ts'
import { BuildError } from '../../lib/errors.ts'
import type { Executor, RunOptions } from '../../lib/exec/executor.ts'
import { render, type Command } from '../../lib/shell/command.ts'
import { buildAndPush, buildImage, loginRegistryLocally, pushImage } from '../../tasks/steps/build.ts'
import { git, localRunner, makeConfig, makeContext, tempRepo } from '../build/support.ts'

const made: string[] = []
afterAll(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true })
})

type Docker = 'buildx' | 'legacy'

// git runs for real (clone prep is what is under test); docker is recorded with its cwd and stdin,
// answering as a machine with or without buildx would.
function machine(root: string, docker: Docker, fail: (line: string) => boolean = () => false) {
  const real = localRunner({ cwd: root })
  const calls: { line: string; cwd: string | undefined; stdin: string | undefined }[] = []
  const local: Executor = {
    host: 'localhost',
    async run(command: Command, options: RunOptions = {}) {
      const line = render(command, { redact: true })
      if (line.startsWith('git ') || line.startsWith('sh clone-prepare.sh ')) return real.run(command, options)
      calls.push({ line, cwd: options.cwd, stdin: typeof options.stdin === 'string' ? options.stdin : undefined })
      let exitCode = 0
      let stdout = ''
      if (line === 'docker buildx version') exitCode = docker === 'buildx' ? 0 : 1
      else if (line.endsWith('--version')) stdout = 'Docker version 28.2.2, build e6534b4'
      else if (line.startsWith('docker buildx inspect')) exitCode = 1
      else if (line.includes(' build '))
        (options.onOutput?.('Step 1/2 : FROM scratch'), options.onOutput?.('Successfully built 0123abcd'))
      if (fail(line)) exitCode = 1
      if (exitCode !== 0 && !options.allowFailure) throw new BuildError(`recorded failure of ${line}`)
      return { stdout, stderr: '', exitCode }
    },
  }
  return { local, calls }
}

function setup(docker: Docker, overrides: Record<string, unknown> = {}, flags = {}) {
  const root = tempRepo()
  const config = makeConfig({ builder: { multiarch: false }, ...overrides }, { root })
  made.push(root, clonePaths(config.service, { projectDir: root, gitRoot: root }).cloneDir)
  const m = machine(root, docker)
  const ctx = makeContext(config, m.local, { flags, version: git(root, 'rev-parse', 'HEAD') })
  return {
    root,
    config,
    ctx,
    calls: m.calls,
    docker: () => m.calls.map((c) => c.line).filter((l) => !l.includes('version')),
  }
}

const run = (ctx: DeployContext, ...tasks: ReturnType<typeof buildImage>[]) =>
  new Listr(tasks, { ctx, renderer: 'silent', exitOnError: true }).run()

describe('buildImage + pushImage without buildx (this machine)', () => {
  test('builds in the clean clone with the legacy builder, then pushes both tags', async () => {
    const s = setup('legacy')
    await run(s.ctx, buildImage(), pushImage())
    const repo = 'registry.example.com/dhh/app'
    expect(s.docker()).toEqual([
      `env DOCKER_BUILDKIT=0 docker build -t ${repo}:${s.ctx.version} -t ${repo}:latest --label service=app --file Dockerfile .`,
      `sh push-tags.sh ${repo}:${s.ctx.version} ${repo}:latest`,
    ])
    const build = s.calls.find((c) => c.line.includes(' build '))!
    expect(build.cwd).toBe(clonePaths('app', { projectDir: s.root, gitRoot: s.root }).buildDir)
    expect(s.ctx.report.warnings).toEqual([])
  })

  test('multiarch without buildx builds natively and says so in the summary', async () => {
    const s = setup('legacy', { builder: {} })
    await run(s.ctx, buildImage())
    expect(s.docker()[0]).toMatch(/^env DOCKER_BUILDKIT=0 docker build /)
    expect(s.ctx.report.warnings).toEqual([
      "docker buildx is not installed: building for this machine's platform only (builder.multiarch: false silences this)",
    ])
  })

  test('uncommitted changes are repeated in the summary', async () => {
    const s = setup('legacy')
    writeFileSync(join(s.root, 'app.txt'), 'edited\n')
    await run(s.ctx, buildImage())
    expect(s.ctx.report.warnings).toEqual([
      'Building from a local git clone, so ignoring these uncommitted changes:\n M app.txt',
    ])
  })

  test('a missing Dockerfile is a BuildError before docker runs', async () => {
    const s = setup('legacy')
    unlinkSync(join(s.root, 'Dockerfile'))
    git(s.root, 'commit', '-q', '-am', 'no dockerfile')
    const error = await run(s.ctx, buildImage()).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(BuildError)
    expect((error as Error).message).toMatch(/^missing Dockerfile in /)
    expect(s.docker()).toEqual([])
  })
})

describe('buildImage: engine and clone side by side', () => {
  test('finding the engine does not wait for the clone to be prepared', async () => {
    const s = setup('legacy')
    const real = s.ctx.local
    let gitSeen!: () => void
    const git = new Promise<void>((resolve) => (gitSeen = resolve))
    let detectionWaited = false
    // `docker buildx version` answers only once git has started: run one after the other, the clone
    // would wait for the engine and this would time out.
    const local: Executor = {
      host: 'localhost',
      async run(command, options) {
        const line = render(command, { redact: true })
        if (line.startsWith('git ')) gitSeen()
        if (line === 'docker buildx version') {
          await Promise.race([
            git,
            new Promise((_, reject) => setTimeout(() => reject(new Error('the clone waited for the engine')), 2000)),
          ])
          detectionWaited = true
        }
        return real.run(command, options)
      },
    }
    await run({ ...s.ctx, local }, buildImage())
    expect(detectionWaited).toBe(true)
    expect(s.docker()[0]).toMatch(/^env DOCKER_BUILDKIT=0 docker build /)
  })
})

describe('buildImage + pushImage with buildx', () => {
  test('multiarch: creates its builder, builds and pushes in one command; pushImage skips', async () => {
    const s = setup('buildx', { builder: {} })
    await run(s.ctx, buildImage(), pushImage())
    expect(s.docker()).toEqual([
      'docker buildx inspect slipway-app-multiarch',
      'docker buildx create --use --name slipway-app-multiarch',
      expect.stringMatching(
        /^docker buildx build --push --platform linux\/amd64,linux\/arm64 --builder slipway-app-multiarch -t /,
      ),
    ])
  })

  test("remote builder: pre-connects as the URI's user and port, then creates context and builder", async () => {
    const s = setup('buildx', {
      ssh: { user: 'root', port: 22 },
      builder: { remote: { arch: 'amd64', host: 'ssh://app@1.1.1.5:2122' } },
    })
    await run(s.ctx, buildImage())
    expect(s.docker().slice(0, 4)).toEqual([
      'docker buildx inspect slipway-app-native-remote',
      'ssh -o BatchMode=yes -o StrictHostKeyChecking=accept-new -p 2122 app@1.1.1.5 true',
      "docker context create slipway-app-native-remote-amd64 --description 'slipway-app-native-remote amd64 native host' --docker host=ssh://app@1.1.1.5:2122",
      'docker buildx create --name slipway-app-native-remote slipway-app-native-remote-amd64 --platform linux/amd64',
    ])
  })

  test('native with buildx still pushes separately', async () => {
    const s = setup('buildx')
    await run(s.ctx, buildImage(), pushImage())
    expect(s.docker()).toEqual([
      expect.stringMatching(/^docker build -t /),
      expect.stringMatching(/^sh push-tags\.sh /),
    ])
  })
})

describe('loginRegistryLocally and --skip-push', () => {
  test('logs in with the password on stdin only', async () => {
    const s = setup('legacy')
    await run(s.ctx, loginRegistryLocally())
    expect(s.calls).toEqual([
      // The stored auth (base64 of user:password) and the password, on stdin only: kept if stored, else docker login.
      {
        line: 'sh login-unless-stored.sh registry.example.com dhh',
        cwd: undefined,
        stdin: 'ZGhoOmh1bnRlcjI=\nhunter2',
      },
    ])
  })

  test('--skip-push disables login, build and push', async () => {
    const s = setup('legacy', {}, { skipPush: true })
    await run(s.ctx, buildAndPush(), loginRegistryLocally(), buildImage(), pushImage())
    expect(s.calls).toEqual([])
  })

  test('buildAndPush runs login, build and push in order', async () => {
    const s = setup('legacy')
    await run(s.ctx, buildAndPush())
    expect(s.docker().map((l) => l.split(' ').slice(0, 3).join(' '))).toEqual([
      'sh login-unless-stored.sh registry.example.com',
      'env DOCKER_BUILDKIT=0 docker',
      'sh push-tags.sh registry.example.com/dhh/app:' + s.ctx.version,
    ])
  })
})

describe('--dry-run', () => {
  test('records the build of the project dir without preparing a clone', async () => {
    const s = setup('legacy', {}, { dryRun: true })
    await run(s.ctx, buildImage(), pushImage())
    expect(s.docker()).toEqual([
      expect.stringMatching(/^env DOCKER_BUILDKIT=0 docker build /),
      expect.stringMatching(/^sh push-tags\.sh /),
    ])
    expect(s.calls.find((c) => c.line.includes(' build '))!.cwd).toBe(s.root)
    expect(existsSync(clonePaths('app', { projectDir: s.root, gitRoot: s.root }).cloneDir)).toBe(false)
  })
})
