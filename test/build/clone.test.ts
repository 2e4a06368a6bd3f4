import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { basename, join } from 'node:path'
import { afterAll, describe, expect, test } from 'vitest'
import { clonePaths, prepareClone } from '../../lib/build/clone.ts'
import { prepareBuildDir } from '../../lib/build/prepare.ts'
import { BuildError } from '../../lib/errors.ts'
import { localExecutor } from '../../lib/exec/local.ts'
import { git, localRunner, makeConfig, tempRepo } from './support.ts'

const made: string[] = []
afterAll(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true })
})

// A repo, its config and a real local executor; clone dirs are removed after the suite.
function project(files: Record<string, string> = {}, builder: Record<string, unknown> = {}) {
  const root = tempRepo(files)
  const config = makeConfig({ builder }, { root })
  const paths = clonePaths(config.service, { projectDir: root, gitRoot: root })
  made.push(root, paths.cloneDir)
  const lines: string[] = []
  const warnings: string[] = []
  const local = localRunner({ cwd: root })
  const prepare = () => prepareBuildDir({ local, config, log: (l) => lines.push(l), warn: (w) => warnings.push(w) })
  return { root, config, paths, lines, warnings, local, prepare }
}

const sha = (dir: string) => git(dir, 'rev-parse', 'HEAD')

describe('clonePaths', () => {
  test("Kamal's layout: tmpdir/slipway-clones/<service>-<13 hex of sha256(project)>/<repo>/<subdir>", () => {
    const root = tempRepo()
    made.push(root)
    mkdirSync(join(root, 'services', 'web'), { recursive: true })
    const paths = clonePaths('app', { projectDir: join(root, 'services', 'web'), gitRoot: root })
    expect(paths.cloneDir).toMatch(new RegExp(`^${tmpdir()}/slipway-clones/app-[0-9a-f]{13}$`))
    expect(paths.top).toBe(join(paths.cloneDir, basename(root)))
    expect(paths.buildDir).toBe(join(paths.top, 'services', 'web'))
    expect(clonePaths('app', { projectDir: root, gitRoot: root }).cloneDir).not.toBe(paths.cloneDir)
  })
})

describe('prepareBuildDir from a clone', () => {
  test('first build clones HEAD; a later commit resets the clone to it', async () => {
    const p = project()
    const first = await p.prepare()
    expect(first).toEqual({ dir: p.paths.buildDir, context: '.', cloned: true })
    expect(readFileSync(join(first.dir, 'app.txt'), 'utf8')).toBe('v1\n')
    expect(git(first.dir, 'rev-parse', 'HEAD')).toBe(git(p.root, 'rev-parse', 'HEAD'))
    const { cloneDir, top, buildDir } = p.paths
    expect(p.local.log).toContain(`sh clone-prepare.sh clone ${cloneDir} ${top} ${buildDir} ${p.root} ${sha(p.root)}`)

    writeFileSync(join(p.root, 'app.txt'), 'v2\n')
    git(p.root, 'commit', '-q', '-am', 'second')
    p.local.log.length = 0
    await p.prepare()
    expect(readFileSync(join(first.dir, 'app.txt'), 'utf8')).toBe('v2\n')
    // The checkout's two questions at once, then the whole reset and its checks in one program.
    expect(p.local.log).toEqual([
      `git -C ${p.root} status --porcelain`,
      `git -C ${p.root} rev-parse --show-toplevel HEAD`,
      `sh clone-prepare.sh reset ${cloneDir} ${top} ${buildDir} ${p.root} ${sha(p.root)}`,
    ])
    expect(p.lines.some((l) => l.startsWith('Error preparing clone'))).toBe(false)
  })

  test("given the run's checkout, the clone is prepared at once at its commit, even after HEAD moved on", async () => {
    const p = project()
    await p.prepare()
    const checkout = { root: p.root, sha: sha(p.root) }
    writeFileSync(join(p.root, 'app.txt'), 'v2\n')
    git(p.root, 'commit', '-q', '-am', 'second')
    p.local.log.length = 0
    const prepared = await prepareBuildDir({
      local: p.local,
      config: p.config,
      log: () => {},
      warn: () => {},
      checkout,
    })
    expect(readFileSync(join(prepared.dir, 'app.txt'), 'utf8')).toBe('v1\n')
    expect(git(prepared.dir, 'rev-parse', 'HEAD')).toBe(checkout.sha)
    const { cloneDir, top, buildDir } = p.paths
    expect(p.local.log).toEqual([
      `git -C ${p.root} status --porcelain`,
      `sh clone-prepare.sh reset ${cloneDir} ${top} ${buildDir} ${p.root} ${checkout.sha}`,
    ])
  })

  test('uncommitted and untracked changes are warned about and stay out of the clone', async () => {
    const p = project()
    writeFileSync(join(p.root, 'app.txt'), 'edited\n')
    writeFileSync(join(p.root, 'new.txt'), 'untracked\n')
    const { dir } = await p.prepare()
    expect(p.warnings).toEqual([
      'Building from a local git clone, so ignoring these uncommitted changes:\n M app.txt\n?? new.txt',
    ])
    expect(readFileSync(join(dir, 'app.txt'), 'utf8')).toBe('v1\n')
    expect(existsSync(join(dir, 'new.txt'))).toBe(false)
  })

  test('stray files in an old clone are cleaned away', async () => {
    const p = project()
    const { dir } = await p.prepare()
    writeFileSync(join(dir, 'leftover.txt'), 'x')
    await p.prepare()
    expect(existsSync(join(dir, 'leftover.txt'))).toBe(false)
  })

  test('a corrupt clone (no .git/HEAD) is deleted and cloned again', async () => {
    const p = project()
    const { dir } = await p.prepare()
    unlinkSync(join(p.paths.cloneDir, basename(p.root), '.git', 'HEAD'))
    const again = await p.prepare()
    expect(again.dir).toBe(dir)
    expect(p.lines.find((l) => l.startsWith('Error preparing clone: '))).toMatch(/deleting and retrying\.\.\.$/)
    expect(git(dir, 'rev-parse', 'HEAD')).toBe(git(p.root, 'rev-parse', 'HEAD'))
  })

  test('a clone whose remote is broken is repaired by set-url, or re-cloned', async () => {
    const p = project()
    const { dir } = await p.prepare()
    git(dir, 'remote', 'set-url', 'origin', '/nonexistent/repo')
    await p.prepare()
    expect(git(dir, 'remote', 'get-url', 'origin')).toBe(p.root)
    expect(git(dir, 'rev-parse', 'HEAD')).toBe(git(p.root, 'rev-parse', 'HEAD'))
  })

  test('a monorepo subdirectory builds from the same subdirectory of the clone', async () => {
    const root = tempRepo({ 'README.md': 'mono\n' })
    mkdirSync(join(root, 'web'))
    writeFileSync(join(root, 'web', 'Dockerfile'), 'FROM scratch\n')
    git(root, 'add', '-A')
    git(root, 'commit', '-q', '-m', 'web')
    const config = makeConfig({}, { root: join(root, 'web') })
    const paths = clonePaths('app', { projectDir: join(root, 'web'), gitRoot: root })
    made.push(root, paths.cloneDir)
    const result = await prepareBuildDir({ local: localRunner({ cwd: root }), config, log: () => {}, warn: () => {} })
    expect(result.dir).toBe(join(paths.cloneDir, basename(root), 'web'))
    expect(existsSync(join(result.dir, 'Dockerfile'))).toBe(true)
  })

  test('a clone that cannot be made the first time is deleted and made again', async () => {
    const p = project()
    // A file where the clone dir must be: mkdir -p fails, and the retry's rm -rf clears it.
    mkdirSync(join(p.paths.cloneDir, '..'), { recursive: true })
    writeFileSync(p.paths.cloneDir, 'not a dir')
    const sha = git(p.root, 'rev-parse', 'HEAD')
    await expect(
      prepareClone({
        local: p.local,
        config: p.config,
        projectDir: p.root,
        gitRoot: p.root,
        sha,
        log: (l) => p.lines.push(l),
      }),
    ).resolves.toBe(p.paths.buildDir)
    expect(p.lines.filter((l) => l.startsWith('Error preparing clone: '))).toHaveLength(1)
  })

  test('a second failure is a BuildError naming the clone', async () => {
    const p = project()
    const wrongSha = '0'.repeat(40)
    const error = await prepareClone({
      local: p.local,
      config: p.config,
      projectDir: p.root,
      gitRoot: p.root,
      sha: wrongSha,
      log: () => {},
    }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(BuildError)
    expect((error as Error).message).toBe(
      `cannot prepare a clean clone of ${p.root} in ${p.paths.cloneDir}: clone in ${p.paths.cloneDir} is not on the correct revision, expected ${wrongSha} but got ${git(p.root, 'rev-parse', 'HEAD')}`,
    )
  })
})

describe('submodules', () => {
  // Submodules from a local path need git's file protocol allowed (off by default since git 2.38.1).
  const env = { GIT_CONFIG_COUNT: '1', GIT_CONFIG_KEY_0: 'protocol.file.allow', GIT_CONFIG_VALUE_0: 'always' }
  const gitWith = (dir: string, ...args: string[]) =>
    execFileSync('git', ['-C', dir, ...args], {
      env: { ...process.env, ...env },
      encoding: 'utf8',
      stdio: 'pipe',
    }).trim()

  test("the clone has the commit's submodules, updated when the commit moves them", async () => {
    const sub = tempRepo({ 'lib.txt': 'lib v1\n' })
    const p = project()
    made.push(sub)
    gitWith(p.root, 'submodule', '-q', 'add', sub, 'vendor/lib')
    gitWith(p.root, 'commit', '-q', '-m', 'add lib')
    const local = localExecutor({ cwd: p.root, env })
    const prepare = () => prepareBuildDir({ local, config: p.config, log: (l) => p.lines.push(l), warn: () => {} })
    const { dir } = await prepare()
    expect(readFileSync(join(dir, 'vendor/lib/lib.txt'), 'utf8')).toBe('lib v1\n')

    writeFileSync(join(sub, 'lib.txt'), 'lib v2\n')
    git(sub, 'commit', '-q', '-am', 'v2')
    gitWith(p.root, 'submodule', '-q', 'update', '--remote')
    gitWith(p.root, 'commit', '-q', '-am', 'lib v2')
    await prepare()
    expect(readFileSync(join(dir, 'vendor/lib/lib.txt'), 'utf8')).toBe('lib v2\n')
    expect(p.lines.some((l) => l.startsWith('Error preparing clone'))).toBe(false)
  })
})

describe('prepareBuildDir from the checkout', () => {
  test('builder.context builds the checkout as it is, warning about uncommitted changes', async () => {
    const p = project({}, { context: '.' })
    writeFileSync(join(p.root, 'app.txt'), 'edited\n')
    expect(await p.prepare()).toEqual({ dir: p.root, context: '.', cloned: false })
    expect(p.warnings).toEqual(['Building with uncommitted changes:\n M app.txt'])
    expect(existsSync(p.paths.cloneDir)).toBe(false)
  })

  test('outside a git repository the project dir is built as it is', async () => {
    const dir = join(tmpdir(), `slipway-nogit-${process.pid}-${Date.now()}`)
    mkdirSync(dir)
    made.push(dir)
    const config = makeConfig({}, { root: dir })
    const warnings: string[] = []
    expect(
      await prepareBuildDir({ local: localRunner({ cwd: dir }), config, log: () => {}, warn: (w) => warnings.push(w) }),
    ).toEqual({
      dir,
      context: '.',
      cloned: false,
    })
    expect(warnings).toEqual([])
  })
})
