import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Listr, ListrTaskEventType } from 'listr2'
import { afterAll, describe, expect, test } from 'vitest'
import type { DeployContext } from '../../lib/context.ts'
import { CancelledError, HookError } from '../../lib/errors.ts'
import { KILL_AFTER_MS } from '../../lib/exec/local.ts'
import { alive, eventually } from '../exec/proc.ts'
import { runHook } from '../../tasks/steps/hooks.ts'
import { localRunner, makeConfig, makeContext } from '../build/support.ts'

const dirs: string[] = []
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true })
})

// A project whose hooks/ holds real sh scripts; runs go through the real local executor.
function project(
  hooks: Record<string, string>,
  {
    mode = 0o755,
    flags = {},
    config = {},
  }: { mode?: number; flags?: Record<string, unknown>; config?: Record<string, unknown> } = {},
) {
  const root = mkdtempSync(join(tmpdir(), 'slipway-hook-task-'))
  dirs.push(root)
  mkdirSync(join(root, 'hooks'))
  for (const [name, body] of Object.entries(hooks)) {
    writeFileSync(join(root, 'hooks', name), `#!/bin/sh\n${body}\n`)
    chmodSync(join(root, 'hooks', name), mode)
  }
  const ctx = makeContext(makeConfig(config, { root }), localRunner({ cwd: root }), { flags })
  return { root, ctx }
}

const run = (ctx: DeployContext, ...tasks: ReturnType<typeof runHook>[]) =>
  new Listr(tasks, { ctx, renderer: 'silent', exitOnError: true }).run()

describe('runHook', () => {
  test('runs in the project root with the hook variables in its env only', async () => {
    const { root, ctx } = project({ 'pre-deploy': 'env | grep -E "^(KAMAL|SLIPWAY)_" | sort > "$PWD/seen.env"' })
    await run(ctx, runHook('pre-deploy'))
    const seen = readFileSync(join(root, 'seen.env'), 'utf8')
    expect(seen).toContain('KAMAL_SERVICE_VERSION=app@abc1234\n')
    expect(seen).toContain('SLIPWAY_HOSTS=1.1.1.1,1.1.1.2,1.1.1.3\n')
    expect(seen).toContain('KAMAL_ROLES=web,workers\n')
    expect(seen).not.toContain('KAMAL_RUNTIME')
    expect(process.env.KAMAL_SERVICE).toBeUndefined()
  })

  test('post-deploy gets KAMAL_RUNTIME in whole seconds', async () => {
    const { root, ctx } = project({ 'post-deploy': 'echo "$KAMAL_RUNTIME" > runtime.txt' })
    await run({ ...ctx, startedAt: Date.now() - 3_200 }, runHook('post-deploy'))
    expect(readFileSync(join(root, 'runtime.txt'), 'utf8')).toBe('3\n')
  })

  test('build hooks name the remote builder as its URI user and port layered over ssh:, other hooks do not', async () => {
    const root = mkdtempSync(join(tmpdir(), 'slipway-hook-task-'))
    dirs.push(root)
    mkdirSync(join(root, 'hooks'))
    for (const name of ['pre-build', 'post-push', 'pre-deploy']) {
      writeFileSync(
        join(root, 'hooks', name),
        `#!/bin/sh\necho "\${KAMAL_BUILDER_HOST:-none} \${SLIPWAY_BUILDER_HOST:-none}" > ${name}.txt\n`,
      )
      chmodSync(join(root, 'hooks', name), 0o755)
    }
    const config = makeConfig(
      { ssh: { user: 'root', port: 22 }, builder: { remote: { arch: 'amd64', host: 'ssh://app@1.1.1.5' } } },
      { root },
    )
    await run(
      makeContext(config, localRunner({ cwd: root })),
      runHook('pre-build'),
      runHook('post-push'),
      runHook('pre-deploy'),
    )
    expect(readFileSync(join(root, 'pre-build.txt'), 'utf8')).toBe('ssh://app@1.1.1.5:22 ssh://app@1.1.1.5:22\n')
    expect(readFileSync(join(root, 'post-push.txt'), 'utf8')).toBe('ssh://app@1.1.1.5:22 ssh://app@1.1.1.5:22\n')
    expect(readFileSync(join(root, 'pre-deploy.txt'), 'utf8')).toBe('none none\n')
    const local = project({ 'pre-build': 'echo "${KAMAL_BUILDER_HOST:-none}" > local.txt' })
    await run(local.ctx, runHook('pre-build'))
    expect(readFileSync(join(local.root, 'local.txt'), 'utf8')).toBe('none\n')
  })

  test('a host group replaces KAMAL_HOSTS', async () => {
    const { root, ctx } = project({ 'pre-proxy-reboot': 'echo "$KAMAL_HOSTS" > hosts.txt' })
    await run(ctx, runHook('pre-proxy-reboot', { hosts: () => ['1.1.1.2'] }))
    expect(readFileSync(join(root, 'hosts.txt'), 'utf8')).toBe('1.1.1.2\n')
  })

  test('a non-zero exit aborts the run with HookError and the output tail', async () => {
    const { root, ctx } = project({
      'pre-deploy': 'echo "checking CI"\necho "CI is red" >&2\nexit 3',
      'post-deploy': 'touch after.txt',
    })
    const error = await run(ctx, runHook('pre-deploy'), runHook('post-deploy')).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(HookError)
    expect((error as Error).message).toMatch(/^hook pre-deploy failed with exit 3:\n/)
    expect((error as Error).message).toContain('checking CI')
    expect((error as Error).message).toContain('CI is red')
    expect(existsSync(join(root, 'after.txt'))).toBe(false)
  })

  test('hook output streams into the task output', async () => {
    const { ctx } = project({ 'pre-build': 'echo one; echo two' })
    const outputs: string[] = []
    const list = new Listr([runHook('pre-build')], { ctx, renderer: 'silent' })
    list.tasks[0]!.on(ListrTaskEventType.OUTPUT, (data) => outputs.push(data))
    await list.run()
    expect(outputs).toEqual(['one', 'two'])
  })

  test('missing, non-executable and .sample hooks never run', async () => {
    const { root, ctx } = project({ 'pre-build.sample': 'touch ran-sample' })
    writeFileSync(join(root, 'hooks', 'pre-deploy'), '#!/bin/sh\ntouch ran-plain\n')
    await run(ctx, runHook('pre-build'), runHook('pre-deploy'), runHook('post-deploy'))
    expect(existsSync(join(root, 'ran-sample'))).toBe(false)
    expect(existsSync(join(root, 'ran-plain'))).toBe(false)
  })

  test('--skip-hooks disables every hook', async () => {
    const { root, ctx } = project({ 'pre-deploy': 'touch ran' }, { flags: { skipHooks: true } })
    await run(ctx, runHook('pre-deploy'))
    expect(existsSync(join(root, 'ran'))).toBe(false)
  })

  // A hook that ignores SIGTERM, with a child of its own that does too: both must be gone.
  const STUBBORN = `trap '' TERM INT\nsh -c "trap '' TERM INT; echo \\$\\$ > child.pid; sleep 60" &\necho "waiting forever"\nwait`

  test('hook_timeout stops a hook that hangs, and every process it started, even one that ignores SIGTERM', async () => {
    const { root, ctx } = project(
      { 'pre-deploy': STUBBORN, 'post-deploy': 'touch after.txt' },
      { config: { hook_timeout: 0.5 } },
    )
    const started = Date.now()
    const error = await run(ctx, runHook('pre-deploy'), runHook('post-deploy')).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(HookError)
    expect((error as Error).message).toBe(
      'hook pre-deploy did not finish within 0.5 s (hook_timeout): it was stopped, with every process it started:\nwaiting forever',
    )
    expect(Date.now() - started).toBeLessThan(2_000)
    expect(existsSync(join(root, 'after.txt'))).toBe(false)
    const child = Number(readFileSync(join(root, 'child.pid'), 'utf8'))
    expect(await eventually(async () => !(await alive(child)), KILL_AFTER_MS + 2_000)).toBe(true)
  })

  test('a cancel ends the hook at once, and every process it started', async () => {
    const { root, ctx } = project({ 'pre-deploy': STUBBORN })
    const controller = new AbortController()
    const running = run({ ...ctx, signal: controller.signal }, runHook('pre-deploy')).catch((e: unknown) => e)
    expect(await eventually(() => existsSync(join(root, 'child.pid')), 5_000)).toBe(true)
    const cancelled = Date.now()
    controller.abort()
    expect(await running).toBeInstanceOf(CancelledError)
    expect(Date.now() - cancelled).toBeLessThan(500)
    const child = Number(readFileSync(join(root, 'child.pid'), 'utf8'))
    expect(await eventually(async () => !(await alive(child)), KILL_AFTER_MS + 2_000)).toBe(true)
  })
})
