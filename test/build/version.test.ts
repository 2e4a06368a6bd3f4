import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, test } from 'vitest'
import { gitIdentity } from '../../lib/build/repo.ts'
import { resolveVersion } from '../../lib/build/version.ts'
import { abbreviatedVersion } from '../../lib/commands/naming.ts'
import { BuildError } from '../../lib/errors.ts'
import { git, localRunner, makeConfig, tempRepo } from './support.ts'

const made: string[] = []
afterAll(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true })
})

function inputs(root: string, builder: Record<string, unknown> = {}) {
  made.push(root)
  return {
    cwd: root,
    flag: undefined,
    env: {},
    config: makeConfig({ builder }, { root }),
    local: localRunner({ cwd: root }),
  }
}

describe('resolveVersion', () => {
  test('--version wins over VERSION, which wins over git', async () => {
    const base = inputs(tempRepo())
    expect((await resolveVersion({ ...base, flag: 'v9', env: { VERSION: 'v8' } })).version).toBe('v9')
    expect((await resolveVersion({ ...base, env: { VERSION: 'v8' } })).version).toBe('v8')
    expect((await resolveVersion(base)).version).toBe(git(base.cwd, 'rev-parse', 'HEAD'))
  })

  test('the checkout comes along only when git was asked for the version', async () => {
    const base = inputs(tempRepo())
    expect((await resolveVersion({ ...base, flag: 'v9' })).checkout).toBeUndefined()
    expect((await resolveVersion({ ...base, env: { VERSION: 'v8' } })).checkout).toBeUndefined()
    expect((await resolveVersion(base)).checkout).toEqual({ root: base.cwd, sha: git(base.cwd, 'rev-parse', 'HEAD') })
  })

  test('a clone build keeps the plain SHA despite uncommitted changes', async () => {
    const base = inputs(tempRepo())
    writeFileSync(join(base.cwd, 'app.txt'), 'edited\n')
    expect((await resolveVersion(base)).version).toBe(git(base.cwd, 'rev-parse', 'HEAD'))
  })

  test('a checkout build with uncommitted changes gets _uncommitted_<16 random hex>', async () => {
    const base = inputs(tempRepo(), { context: '.' })
    const sha = git(base.cwd, 'rev-parse', 'HEAD')
    expect((await resolveVersion(base)).version).toBe(sha)
    writeFileSync(join(base.cwd, 'app.txt'), 'edited\n')
    const { version: first } = await resolveVersion(base)
    expect(first).toMatch(new RegExp(`^${sha}_uncommitted_[0-9a-f]{16}$`))
    expect((await resolveVersion(base)).version).not.toBe(first)
  })

  test('outside a git repository: a BuildError that says what to do', async () => {
    const dir = join(tmpdir(), `slipway-nogit-version-${process.pid}`)
    mkdirSync(dir, { recursive: true })
    const error = await resolveVersion(inputs(dir)).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(BuildError)
    expect((error as Error).message).toBe(
      `can't use commit hash as version, no git repository found in ${dir} (pass --version or set VERSION)`,
    )
  })

  test('a repository without commits', async () => {
    const dir = join(tmpdir(), `slipway-empty-repo-${process.pid}`)
    mkdirSync(dir, { recursive: true })
    git(dir, 'init', '-q')
    await expect(resolveVersion(inputs(dir))).rejects.toThrow('has no commit yet')
  })
})

describe('gitIdentity (the performer of locks and audit lines)', () => {
  test("the repository's user.name and user.email win over the global ones, as `git config` reads them", async () => {
    const dir = tempRepo()
    made.push(dir)
    git(dir, 'config', 'user.name', 'Ann Lee')
    git(dir, 'config', 'user.email', 'ann@example.com')
    expect(await gitIdentity(localRunner({ cwd: dir }), dir)).toEqual({ name: 'Ann Lee', email: 'ann@example.com' })
  })
})

describe('abbreviatedVersion', () => {
  test('7 characters of a SHA; suffixed versions stay whole', () => {
    expect(abbreviatedVersion('75bf6fa40b975cbd8aec05abf7164e0982f185ac')).toBe('75bf6fa')
    expect(abbreviatedVersion('75bf6fa_uncommitted_0123456789abcdef')).toBe('75bf6fa_uncommitted_0123456789abcdef')
  })
})
