import { execFileSync } from 'node:child_process'
import { rmSync } from 'node:fs'
import type { Readable } from 'node:stream'
import { buffer } from 'node:stream/consumers'
import { Listr } from 'listr2'
import { afterAll, describe, expect, test } from 'vitest'
import { clonePaths } from '../../lib/build/clone.ts'
import { lastBuild } from '../../lib/build/last-build.ts'
import type { DeployContext } from '../../lib/context.ts'
import { BuildError, SshError } from '../../lib/errors.ts'
import type { Executor, RunOptions } from '../../lib/exec/executor.ts'
import { render, type Command } from '../../lib/shell/command.ts'
import { buildImage, pushImage } from '../../tasks/steps/build.ts'
import { git, localRunner, makeConfig, makeContext, tempRepo } from '../build/support.ts'

// No buildx on this machine and `builder.remote.host: ssh://…`: the build runs on the builder's
// engine. git runs for real; docker here and on the builder is recorded, answering as a machine
// without buildx and a builder with Debian's docker 20.10 would.

const made: string[] = []
afterAll(() => made.forEach((d) => rmSync(d, { recursive: true, force: true })))

const BUILDER = 'app@1.1.1.5:2122'
const REPO = 'registry.example.com/dhh/app'
const DEBIAN_DOCKER = 'Docker version 20.10.24+dfsg1, build 297e128'

interface Call {
  readonly host: string
  readonly line: string
  readonly stdin: string | string[] | undefined
}

function setup({
  builder = {},
  env = {},
  failBuild = false,
  refuse = false,
}: {
  builder?: Record<string, unknown>
  env?: Record<string, string>
  failBuild?: boolean
  refuse?: boolean
} = {}) {
  const root = tempRepo({ 'secret.txt': 'docker-ignored\n' })
  const config = makeConfig(
    {
      ssh: { user: 'root', port: 22 },
      builder: { remote: { arch: 'amd64', host: 'ssh://app@1.1.1.5:2122' }, ...builder },
    },
    { root },
  )
  made.push(root, clonePaths(config.service, { projectDir: root, gitRoot: root }).cloneDir)
  const real = localRunner({ cwd: root })
  const calls: Call[] = []
  const machine = (host: string): Executor => ({
    host,
    async run(command: Command, options: RunOptions = {}) {
      const line = render(command, { redact: true })
      if (host === 'localhost' && /^(git|sh clone-prepare\.sh) /.test(line)) return real.run(command, options)
      if (host === 'localhost' && line.startsWith('printenv ')) {
        const value = env[line.slice('printenv '.length)]
        return { stdout: value === undefined ? '' : `${value}\n`, stderr: '', exitCode: value === undefined ? 1 : 0 }
      }
      if (refuse && host !== 'localhost') throw new SshError(`cannot connect to ${host}: host key changed`)
      calls.push({ host, line, stdin: await stdinOf(options.stdin) })
      let exitCode = 0
      let stdout = ''
      if (line === 'docker buildx version') exitCode = 1
      else if (line.endsWith('--version')) stdout = host === 'localhost' ? 'Docker version 28.2.2' : DEBIAN_DOCKER
      else if (line.startsWith('sh -c') && line.includes('mktemp')) stdout = '/tmp/slipway-build.Ab12Cd34\n'
      else if (line.includes(' build ')) {
        for (const l of ['#5 [1/2] FROM base', '#6 [2/2] RUN make', '#6 0.2 make: *** no rule', ' > [2/2] RUN make:'])
          options.onOutput?.(l)
        if (failBuild) exitCode = 1
      }
      if (exitCode !== 0 && !options.allowFailure) throw new BuildError(`recorded failure of ${line}`)
      return { stdout, stderr: '', exitCode }
    },
  })
  const ctx: DeployContext = {
    ...makeContext(config, machine('localhost'), { version: git(root, 'rev-parse', 'HEAD') }),
    remote: machine,
  }
  return { root, config, ctx, calls }
}

// A stream is a build context: what matters is which files it carries.
async function stdinOf(stdin: RunOptions['stdin']): Promise<string | string[] | undefined> {
  if (typeof stdin !== 'object') return stdin
  const archive = await buffer(stdin as Readable)
  // The clone's .git goes too, as with a local `docker build` of it (a .dockerignore keeps it out).
  return execFileSync('tar', ['-tf', '-'], { input: archive, encoding: 'utf8' })
    .trim()
    .split('\n')
    .filter((name) => !name.startsWith('.git/'))
}

const run = (ctx: DeployContext, ...tasks: ReturnType<typeof buildImage>[]) =>
  new Listr(tasks, { ctx, renderer: 'silent', exitOnError: true }).run()

describe('a remote builder without buildx here', () => {
  test('builds on the builder engine from the streamed clean clone, logs it in, pushes from there', async () => {
    const s = setup()
    await run(s.ctx, buildImage(), pushImage())
    const v = s.ctx.version
    expect(s.calls).toEqual([
      { host: 'localhost', line: 'docker buildx version', stdin: undefined },
      { host: 'localhost', line: 'docker --version', stdin: undefined },
      { host: 'localhost', line: '/usr/bin/docker --version', stdin: undefined },
      { host: BUILDER, line: 'docker buildx version', stdin: undefined },
      { host: BUILDER, line: 'docker --version', stdin: undefined },
      { host: BUILDER, line: '/usr/bin/docker --version', stdin: undefined },
      { host: BUILDER, line: 'docker login registry.example.com -u dhh --password-stdin', stdin: 'hunter2' },
      {
        host: BUILDER,
        line: `env DOCKER_BUILDKIT=1 docker build -t ${REPO}:${v} -t ${REPO}:latest --label service=app --file Dockerfile -`,
        stdin: ['.dockerignore', 'Dockerfile', 'app.txt'],
      },
      { host: BUILDER, line: `sh push-tags.sh ${REPO}:${v} ${REPO}:latest`, stdin: undefined },
    ])
    expect(s.ctx.found.route).toMatchObject({ kind: 'remote', builder: { spec: BUILDER } })
    expect(await lastBuild(s.config)).toMatchObject({ image: `${REPO}:${v}`, version: v, host: BUILDER })
    expect((await lastBuild(s.config))?.how).toBe(
      `the docker engine of ${BUILDER} (docker build with built-in BuildKit (no buildx) there; docker buildx is not installed here)`,
    )
  })

  test('secrets: values from this environment into 0600 files of a temp dir there, removed after; never in argv', async () => {
    const s = setup({ builder: { secrets: ['TOKEN'] }, env: { TOKEN: 'tok-value' } })
    await run(s.ctx, buildImage())
    const lines = s.calls.filter((c) => c.host === BUILDER).map((c) => c.line)
    expect(lines.slice(4)).toEqual([
      `sh -c 'umask 077 && mktemp -d "\${TMPDIR:-/tmp}/slipway-build.XXXXXXXX"' sh`,
      `sh -c 'umask 077 && mkdir -p "$(dirname "$1")" && cat > "$1" && chmod "$2" "$1"' sh /tmp/slipway-build.Ab12Cd34/TOKEN 600`,
      expect.stringContaining('--secret id=TOKEN,src=/tmp/slipway-build.Ab12Cd34/TOKEN --file Dockerfile -'),
      'rm -rf /tmp/slipway-build.Ab12Cd34',
    ])
    expect(s.calls.find((c) => c.line.includes('TOKEN 600'))?.stdin).toBe('tok-value')
    expect(JSON.stringify(s.calls.map((c) => c.line))).not.toContain('tok-value')
  })

  test('a secret missing from the environment fails before anything is sent', async () => {
    const s = setup({ builder: { secrets: ['TOKEN'] } })
    await expect(run(s.ctx, buildImage())).rejects.toThrow('build secret TOKEN is not set in the environment')
    expect(s.calls.filter((c) => c.host === BUILDER).map((c) => c.line)).toEqual([
      'docker buildx version',
      'docker --version',
      '/usr/bin/docker --version',
    ])
  })

  test('a failed build names the builder, the failing step and the log tail; the temp dir goes, nothing is pushed', async () => {
    const s = setup({ builder: { secrets: ['TOKEN'] }, env: { TOKEN: 't' }, failBuild: true })
    const error = await run(s.ctx, buildImage(), pushImage()).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(BuildError)
    expect((error as Error).message).toBe(
      `build on ${BUILDER} failed at [2/2] RUN make (exit 1):\n` +
        '#5 [1/2] FROM base\n#6 [2/2] RUN make\n#6 0.2 make: *** no rule\n > [2/2] RUN make:',
    )
    const lines = s.calls.map((c) => c.line)
    expect(lines.at(-1)).toBe('rm -rf /tmp/slipway-build.Ab12Cd34')
    expect(lines.some((l) => l.startsWith('docker push') || l.startsWith('sh push-tags.sh'))).toBe(false)
  })

  test('a refused builder (host key) fails the build before anything is built', async () => {
    const s = setup({ refuse: true })
    await expect(run(s.ctx, buildImage())).rejects.toThrow(`cannot connect to ${BUILDER}: host key changed`)
    expect(s.calls.filter((c) => c.host !== 'localhost')).toEqual([])
  })

  test('builder.local is skipped with a warning; builder.ssh cannot reach this agent and is refused', async () => {
    const both = setup({ builder: { local: { arch: 'arm64' } } })
    await run(both.ctx, buildImage())
    expect(both.ctx.report.warnings).toEqual([
      `docker buildx is not installed: building linux/amd64 only, on ${BUILDER} (builder.local is skipped)`,
    ])
    const ssh = setup({ builder: { ssh: 'default' } })
    await expect(run(ssh.ctx, buildImage())).rejects.toThrow(
      `builder.ssh forwards this machine's ssh agent, which a build on ${BUILDER} cannot use`,
    )
  })

  test('a tcp:// remote host needs buildx here', async () => {
    const s = setup({ builder: { remote: { arch: 'amd64', host: 'tcp://1.1.1.5:2375' } } })
    await expect(run(s.ctx, buildImage())).rejects.toThrow(
      'builder.remote.host tcp://1.1.1.5:2375: without docker buildx here, slipway builds on a remote builder over ssh:// only',
    )
  })

  test('pushImage alone logs the builder in and pushes in one round trip', async () => {
    const s = setup()
    await run(s.ctx, pushImage())
    expect(s.calls.filter((c) => c.host === BUILDER).at(-1)).toEqual({
      host: BUILDER,
      line: `docker login registry.example.com -u dhh --password-stdin && sh push-tags.sh ${REPO}:${s.ctx.version} ${REPO}:latest`,
      stdin: 'hunter2',
    })
  })
})
