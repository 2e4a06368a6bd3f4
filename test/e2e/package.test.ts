import { spawn } from 'node:child_process'
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { exec, readSandboxEnv, sshExec, uniqueService } from './support/sandbox.ts'
import { site, SLIPWAY, type ScriptResult } from './support/app-repo.ts'
import { packSlipway, pinnedApp } from './support/package.ts'

// slipway as a team uses it: the packed tarball installed into a fresh app repo outside this
// checkout, `slipway init`, the team's own tasks/deploy.ts with a custom remote task, deploys to
// the sandbox, then `slipway app details` and `slipway rollback`, all from the installed package.
const sandbox = readSandboxEnv()
const [s1, s2] = sandbox.servers as [string, string]
const service = uniqueService('pkg')
const dir = mkdtempSync(join(tmpdir(), `slipway-${service}-`))
const pkg = join(dir, 'node_modules/slipway')
const env: Record<string, string> = {
  PATH: process.env.PATH ?? '',
  HOME: process.env.HOME ?? '',
  // The test run's own temp dir (test/support/run-tmpdir.ts): the deploys' clean clone goes there, and with it.
  ...(process.env.TMPDIR ? { TMPDIR: process.env.TMPDIR } : {}),
  GIT_AUTHOR_NAME: 'E2E',
  GIT_AUTHOR_EMAIL: 'e2e@example.com',
  GIT_COMMITTER_NAME: 'E2E',
  GIT_COMMITTER_EMAIL: 'e2e@example.com',
}

/** Runs a command in the app repo with only a user's env: everything else comes from its .env. */
function inApp(program: string, args: readonly string[]): Promise<ScriptResult> {
  return new Promise((done, fail) => {
    const child = spawn(program, args, { cwd: dir, env })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()))
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()))
    child.on('error', fail).on('close', (code) => done({ code, stdout, stderr }))
  })
}
const npx = (...args: string[]) => inApp('npx', args)
const git = (...args: string[]) => exec(['git', '-C', dir, ...args], { env })
const commit = async (message: string): Promise<string> => {
  await git('add', '-A')
  await git('commit', '-q', '-m', message)
  return (await git('rev-parse', 'HEAD')).stdout.trim()
}

beforeAll(async () => {
  const tarball = await packSlipway(dir)
  // The lock pins every dependency to this checkout's, so npm installs from its cache, offline.
  pinnedApp(dir, tarball, ['tsx'])
  const install = await inApp('npm', ['install', '--offline', '--no-audit', '--no-fund', '--loglevel', 'error'])
  expect(install.code, install.stderr).toBe(0)
  writeFileSync(join(dir, '.gitignore'), 'node_modules\n')
  writeFileSync(join(dir, 'Dockerfile'), DOCKERFILE)
  mkdirSync(join(dir, 'www'))
  writeFileSync(join(dir, 'www/up'), 'up\n')
  writeFileSync(join(dir, 'start.sh'), readFileSync(join(SLIPWAY, 'demo/start.sh')))
  await git('init', '-q', '-b', 'main')
}, 600_000)

afterAll(async () => {
  await Promise.all(
    [s1, s2].map((host) =>
      sshExec(
        host,
        `docker ps -aq --filter label=service=${service} | xargs -r docker rm -f >/dev/null; ` +
          `docker images -q --filter reference='*/e2e/${service}' | xargs -r docker rmi -f >/dev/null; true`,
        { allowFailure: true },
      ),
    ),
  )
  rmSync(dir, { recursive: true, force: true })
})

describe('the installed package', () => {
  test('is compiled JavaScript with declarations, sample hooks and templates; no sources, tests or sandbox', () => {
    const files = walk(pkg)
    expect(files.filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))).toEqual([])
    expect(files).toEqual(expect.arrayContaining(['dist/index.js', 'dist/index.d.ts', 'bin/slipway.js']))
    // The command is one bundle; the compiled cli/ modules it was made from are not shipped twice.
    expect(files).toContain('dist/slipway.cjs')
    expect(files.filter((f) => f.startsWith('dist/cli/'))).toEqual([])
    expect(files).toEqual(expect.arrayContaining(['hooks/pre-deploy.sample', 'dist/lib/build/templates/deploy.yml']))
    expect(files.filter((f) => /^(test|sandbox|bench|demo|examples|tasks)\//.test(f))).toEqual([])
    // Runtime dependencies only: what the tests, the build and the tasks' runner (tsx) need is not installed with it.
    const manifest = (dir: string) =>
      JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Record<string, Record<string, string>>
    const [installed, source] = [manifest(pkg), manifest(SLIPWAY)]
    expect(installed['dependencies']).toEqual(source['dependencies'])
    const dev = Object.keys(source['devDependencies']!)
    expect(dev).toContain('tsx')
    expect(Object.keys(installed['dependencies']!).filter((name) => dev.includes(name))).toEqual([])
  })

  test('npx slipway --version and --help answer from the bundle, whose code cache goes beside the package', async () => {
    const version = await npx('slipway', '--version')
    expect(version).toMatchObject({ code: 0, stdout: `${readManifestVersion()}\n` })
    expect(readdirSync(join(dir, 'node_modules/.cache/slipway'))).toEqual([expect.stringMatching(/\.v8cache$/)])
    const help = await npx('slipway', '--help')
    expect(help.code).toBe(0)
    expect(help.stdout).toMatch(/^ {2}rollback +Boot an earlier VERSION again$/m)
  })

  test('npx slipway init scaffolds the app, and keeps every file the second time', async () => {
    const first = await npx('slipway', 'init')
    expect(first.code, first.stderr).toBe(0)
    expect(first.stdout).toContain('Created deploy.yml\nCreated .env.example\nAdded .env to .gitignore\n')
    expect(first.stdout).toContain('Created tasks/deploy.ts\nCreated tasks/push.ts\nCreated tasks/redeploy.ts\n')
    expect(statSync(join(dir, 'hooks/post-deploy.sample')).mode & 0o111).not.toBe(0)
    const second = await npx('slipway', 'init')
    expect(second.code).toBe(0)
    expect(second.stdout).not.toMatch(/Created|Added/)
    expect(second.stdout).toContain('Kept tasks/deploy.ts (already exists)\n')
  })
})

describe('deploying with the team’s own tasks', () => {
  let v1 = ''

  test('npx tsx tasks/deploy.ts deploys, with a custom task running remote commands through the tagged template', async () => {
    // The team edits the generated files: its servers in deploy.yml, its secrets in .env.
    writeFileSync(join(dir, 'deploy.yml'), deployYml())
    writeFileSync(join(dir, '.env'), dotenv())
    const deploy = join(dir, 'tasks/deploy.ts')
    writeFileSync(
      deploy,
      readFileSync(deploy, 'utf8').replace(/\nimport \{ main, deploySteps \}[^]*$/, () => CUSTOM_DEPLOY),
    )
    v1 = await commit('v1')
    const result = await npx('tsx', 'tasks/deploy.ts')
    expect(result.code, result.stderr).toBe(0)
    // Run on s1 (the primary host) over its one connection: quoted words arrive whole, the array as three.
    expect(result.stdout).toBe(`${service}-web-${v1} serves ${v1}; words <it's><$HOME><><a b>\n`)
    expect(await site(service)).toEqual({ status: 200, body: v1 })
  })

  test('a failing remote command names the host, the command and the exit code, in a CommonJS app and an ESM one', async () => {
    // The app's package.json is CommonJS (as `npm init` writes it), so tsx compiles the task and
    // the package as CommonJS: one copy of the package must do it all, or the error is no
    // CommandError to main() and ends in a stack trace.
    writeFileSync(join(dir, 'tasks/fail.ts'), FAILING)
    const manifest = join(dir, 'package.json')
    const commonjs = readFileSync(manifest, 'utf8')
    for (const type of ['commonjs', 'module']) {
      writeFileSync(manifest, commonjs.replace('"type": "commonjs"', `"type": "${type}"`))
      const result = await npx('tsx', 'tasks/fail.ts')
      expect(result.code, type).toBe(1)
      expect(result.stderr, type).toContain(`error: ${s1}: \`ls /nowhere '$HOME'\` exited with 2:`)
      expect(result.stderr, type).not.toMatch(/\n\s+at /)
    }
    writeFileSync(manifest, commonjs)
  })

  test('Ctrl-C stops the remote command of a custom task', async () => {
    writeFileSync(join(dir, 'tasks/wait.ts'), WAITING)
    // In a process group of its own, as on a terminal, where Ctrl-C signals tsx and node alike.
    const child = spawn(join(dir, 'node_modules/.bin/tsx'), ['tasks/wait.ts'], { cwd: dir, env, detached: true })
    let stderr = ''
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()))
    const closed = new Promise<number | null>((resolve) => child.on('close', resolve))
    let exited = false
    void closed.then(() => (exited = true))
    // `[4]…`: a pattern that does not match the command line of the shell pgrep runs in.
    const sleeping = () =>
      sshExec(s1, `pgrep -f 'sleep [4]${NAP.slice(1)}' || true`).then((r) => r.stdout.trim() !== '')
    while (!exited && !(await sleeping())) await new Promise((r) => setTimeout(r, 200))
    process.kill(-child.pid!, 'SIGINT')
    const code = await closed
    expect(code, stderr).toBe(130)
    expect(await sleeping()).toBe(false)
  })

  test("the example recipe (examples/custom-deploy.ts) runs as the team's own script", async () => {
    copyFileSync(join(SLIPWAY, 'examples/custom-deploy.ts'), join(dir, 'tasks/custom-deploy.ts'))
    writeFileSync(join(dir, 'www/index.txt'), 'v2\n')
    const v2 = await commit('v2')
    const result = await npx('tsx', 'tasks/custom-deploy.ts')
    expect(result.code, result.stderr).toBe(0)
    // Hosts run in parallel: the smoke test's lines arrive in whichever order the hosts finish.
    const [announced, ...smoke] = result.stdout.trimEnd().split('\n')
    expect(announced).toBe(`announced ${service}@${v2}`)
    expect(smoke.sort()).toEqual([`smoke test passed on ${s1}`, `smoke test passed on ${s2}`].sort())
    expect(await site(service)).toEqual({ status: 200, body: v2 })
  })

  test('npx slipway app details, then npx slipway rollback to the first version', async () => {
    const details = await npx('slipway', 'app', 'details')
    expect(details.code, details.stderr).toBe(0)
    for (const host of [s1, s2]) expect(details.stdout).toContain(`Host: ${host} (web)\n`)
    const rollback = await npx('slipway', 'rollback', v1)
    expect(rollback.code, rollback.stderr).toBe(0)
    expect(await site(service)).toEqual({ status: 200, body: v1 })
  })

  test("the team's scripts and init's example typecheck against the package's declarations", async () => {
    // The comment of the generated tasks/deploy.ts, uncommented, is a whole script of its own.
    const template = readFileSync(join(pkg, 'dist/lib/build/templates/tasks/deploy.ts.tmpl'), 'utf8')
    const example = [...template.matchAll(/^\/\/ ?(.*)$/gm)].map((m) => m[1]).slice(5)
    writeFileSync(join(dir, 'tasks/example.ts'), `${example.join('\n')}\n`)
    writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify(tsconfig()))
    const result = await inApp(join(SLIPWAY, 'node_modules/.bin/tsc'), ['-p', '.'])
    expect(result.stdout + result.stderr).toBe('')
    expect(result.code).toBe(0)
  })
})

const readManifestVersion = (): string =>
  (JSON.parse(readFileSync(join(SLIPWAY, 'package.json'), 'utf8')) as { version: string }).version

function walk(root: string, at = root): string[] {
  return readdirSync(at, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? walk(root, join(at, e.name)) : [relative(root, join(at, e.name))],
  )
}

const DOCKERFILE = `FROM ${sandbox.baseImage}
COPY start.sh /start.sh
HEALTHCHECK --interval=1s --timeout=2s --start-period=2s CMD wget -q -O /dev/null http://127.0.0.1/up || exit 1
CMD ["/bin/sh", "/start.sh"]
COPY www/ /www/
`

const deployYml = (): string => `service: ${service}
image: e2e/${service}
registry:
  server: ${sandbox.registry}
  username: ${sandbox.registryUser}
  password: [REGISTRY_PASSWORD]
servers:
  web: [${s1}, ${s2}]
builder:
  multiarch: false
healthcheck:
  cmd: wget -q -O /dev/null http://127.0.0.1/up || exit 1
  max_attempts: 10
ssh:
  keys: [${sandbox.sshKey}]
proxy:
  kind: caddy
  image: ${sandbox.caddyImage}
  host_port: 80
  host: ${service}.test
readiness_delay: 0
stop_wait_time: 2
retain_containers: 2
`

// What the team keeps out of git: the registry password, and (the sandbox's own) known hosts and
// docker client config, so that nothing here touches the user's ~/.ssh or ~/.docker.
const dotenv = (): string =>
  [
    `REGISTRY_PASSWORD=${sandbox.registryPassword}`,
    `SLIPWAY_KNOWN_HOSTS=${sandbox.knownHosts}`,
    `DOCKER_CONFIG=${sandbox.dockerConfig}`,
    '',
  ].join('\n')

const CUSTOM_DEPLOY = `
import { main, deploySteps, naming, remoteShell, type DeployTask } from 'slipway'

const askVersion = (): DeployTask => ({
  title: 'Ask the new container its version',
  task: async (ctx, task) => {
    const $ = remoteShell(ctx, ctx.selection.primaryHost, task)
    const container = naming.containerName(ctx.config, ctx.selection.primaryRole, ctx.version)
    const served = await $\`docker exec \${container} cat /www/version\`
    const words = await $\`printf '<%s>' \${["it's", '$HOME', '']} \${'a b'}\`
    ctx.report.lines.push(\`\${container} serves \${served}; words \${words}\`)
  },
})

void main({ name: 'deploy', recipe: () => [...deploySteps(), askVersion()] })
`

const FAILING = `import { main, remoteShell } from 'slipway'

void main({
  name: 'check',
  recipe: () => [
    { title: 'List', task: (ctx, task) => remoteShell(ctx, ctx.selection.primaryHost, task)\`ls /nowhere \${'$HOME'}\` },
  ],
})
`

// A duration of this run's own, so that no other run's command is mistaken for this one's.
const NAP = String(4000 + Math.floor(Math.random() * 1000))
const WAITING = `import { main, remoteShell } from 'slipway'

void main({
  name: 'wait',
  recipe: () => [
    { title: 'Wait', task: async (ctx, task) => void (await remoteShell(ctx, ctx.selection.primaryHost, task)\`sleep ${NAP}\`) },
  ],
})
`

const tsconfig = () => ({
  compilerOptions: {
    target: 'ES2023',
    module: 'NodeNext',
    moduleResolution: 'NodeNext',
    strict: true,
    noEmit: true,
    // As `tsc --init` sets it: zx's own declarations name @types/fs-extra, which zx does not install.
    skipLibCheck: true,
    typeRoots: [join(SLIPWAY, 'node_modules/@types')],
    types: ['node'],
  },
  include: ['tasks'],
})
