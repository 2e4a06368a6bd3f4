import { Listr } from 'listr2'
import { describe, expect, test } from 'vitest'
import * as lock from '../../lib/commands/lock.ts'
import { CommandError, DeployError, LockError } from '../../lib/errors.ts'
import { render } from '../../lib/shell/command.ts'
import { NO_LOCK } from '../../tasks/steps/lock-commands.ts'
import { lock as lockCommand } from '../../cli/lock.ts'
import { invoke } from '../support/cli.ts'
import { makeConfig } from '../support/config.ts'
import { recordingContext, type Reply } from '../support/context.ts'

// Two hosts: the lock lives on the primary one (1.1.1.1) only.
const config = makeConfig(
  `service: app
image: dhh/app
registry: { server: registry.example.com, username: user, password: [KAMAL_REGISTRY_PASSWORD] }
servers:
  web: [1.1.1.1, 1.1.1.2]
`,
  { env: { KAMAL_REGISTRY_PASSWORD: 'registry-pw' } },
)
const DETAILS = 'Locked by: Someone at 2026-11-26T08:00:00Z\nVersion: v1\nMessage: Integration Tests'
const NO_DIR = { exitCode: 1, stderr: "stat: cannot statx '.kamal/locks/app': No such file or directory\n" }
const status = `1.1.1.1: ${render(lock.status(config), { redact: true })}`
const release = `1.1.1.1: ${render(lock.release(config), { redact: true })}`

const lockSteps = (...argv: string[]) => invoke(lockCommand, argv).steps

function run(argv: string[], { reply }: { reply?: Reply } = {}) {
  const { flags, steps } = invoke(lockCommand, argv)
  const { ctx, log } = recordingContext({ config, reply, flags })
  const done = new Listr(steps, { ctx, renderer: 'silent' }).run()
  return { ctx, log, done }
}

describe('lock status', () => {
  test('prints the decoded details from the primary host', async () => {
    const { ctx, log, done } = run(['status'], { reply: () => ({ stdout: `${DETAILS}\n` }) })
    await done
    expect(log).toEqual([status])
    expect(ctx.report.lines).toEqual([DETAILS])
  })

  test('"There is no deploy lock" when the lock dir does not exist', async () => {
    const { ctx, done } = run(['status'], { reply: () => NO_DIR })
    await done
    expect(ctx.report.lines).toEqual([NO_LOCK])
  })

  test('any other failure is an error', async () => {
    const { done } = run(['status'], { reply: () => ({ exitCode: 1, stderr: 'base64: invalid input' }) })
    await expect(done).rejects.toBeInstanceOf(CommandError)
  })
})

describe('lock acquire', () => {
  test('writes the base64 details with the message, the performer and the version', async () => {
    const { ctx, log, done } = run(['acquire', '-m', "Integration Tests, it's $HOME"])
    await done
    expect(log).toHaveLength(1)
    const encoded = /sh \.kamal\/locks \.kamal\/locks\/app (\S+) && /.exec(log[0]!)![1]!
    // The audit line rides in the same round trip, once the lock is taken.
    expect(log[0]).toMatch(
      / && sh audit-record\.sh \.kamal \.kamal\/app-audit\.log '\[[\dT:Z-]+\] \[tester@example\.com\] Acquired the deploy lock: Integration Tests, it'\\''s \$HOME'$/,
    )
    expect(Buffer.from(encoded, 'base64').toString()).toMatch(
      /^Locked by: Tester at \d{4}-\d\d-\d\dT[\d:.]+Z\nVersion: v2\nMessage: Integration Tests, it's \$HOME$/,
    )
    expect(ctx.report.lines).toEqual(['Acquired the deploy lock'])
  })

  test('a held lock fails with who holds it and is left alone', async () => {
    const { log, done } = run(['acquire', '-m', 'mine'], {
      reply: (l) =>
        l.includes('&& mkdir "$2"')
          ? { exitCode: 1, stderr: "mkdir: cannot create directory '.kamal/locks/app': File exists" }
          : { stdout: `${DETAILS}\n` },
    })
    const error = await done.catch((e: unknown) => e)
    expect(error).toBeInstanceOf(LockError)
    expect((error as Error).message).toBe(
      `deploy lock found on 1.1.1.1:\n${DETAILS}\nRun \`slipway lock release\` if it is stale.`,
    )
    expect(log).toHaveLength(2)
    expect(log[1]).toBe(status)
  })

  test('needs a message', () => {
    expect(() => lockSteps('acquire')).toThrow(new DeployError('lock acquire needs a message: -m MESSAGE'))
    expect(() => lockSteps('acquire', '-m', ' ')).toThrow('needs a message')
  })
})

describe('lock release', () => {
  test('removes the lock dir on the primary host', async () => {
    const { ctx, log, done } = run(['release'])
    await done
    expect(log).toHaveLength(1)
    expect(log[0]).toMatch(
      /^1\.1\.1\.1: \{ rm \.kamal\/locks\/app\/details && rm -r \.kamal\/locks\/app; \} && sh audit-record\.sh .* '\[[\dT:Z-]+\] \[tester@example\.com\] Released the deploy lock'$/,
    )
    expect(ctx.report.lines).toEqual(['Released the deploy lock'])
  })

  test('"There is no deploy lock" when there is none', async () => {
    const { ctx, done } = run(['release'], {
      reply: () => ({ exitCode: 1, stderr: "rm: cannot remove '.kamal/locks/app/details': No such file or directory" }),
    })
    await done
    expect(ctx.report.lines).toEqual([NO_LOCK])
  })
})

test('unknown or missing subcommands name the valid ones', () => {
  expect(() => lockSteps('steal')).toThrow(
    new DeployError('unknown subcommand steal: use one of status, acquire, release (see --help)'),
  )
  expect(() => lockSteps()).toThrow('missing subcommand')
})

describe('--lock-wait', () => {
  // The lock is held for the first `held` mkdirs, then free.
  const heldFor = (held: number): Reply => {
    let tries = 0
    return (l) => {
      if (l.includes('mkdir -p')) return ++tries <= held ? { exitCode: 1, stderr: 'mkdir: File exists\n' } : undefined
      return l === status ? { stdout: `${DETAILS}\n` } : undefined
    }
  }

  test('waits for a held lock, polling with backoff, then takes it', async () => {
    const started = Date.now()
    const { ctx, log, done } = run(['acquire', '-m', 'mine', '--lock-wait=30'], { reply: heldFor(2) })
    await done
    expect(ctx.report.lines).toEqual(['Acquired the deploy lock'])
    // Tried, read who holds it, waited 0.5 s; tried, read, waited 1 s; took it.
    expect(log.filter((l) => l.includes('mkdir -p'))).toHaveLength(3)
    expect(log.filter((l) => l === status)).toHaveLength(2)
    expect(Date.now() - started).toBeGreaterThanOrEqual(1500)
  })

  test('gives up at the timeout naming the holder', async () => {
    const { done } = run(['acquire', '-m', 'mine', '--lock-wait=1'], { reply: heldFor(100) })
    const error = await done.catch((e: unknown) => e)
    expect(error).toBeInstanceOf(LockError)
    expect((error as Error).message).toBe(
      `deploy lock found on 1.1.1.1:\n${DETAILS}\nStill held after waiting 1 s (--lock-wait).\nRun \`slipway lock release\` if it is stale.`,
    )
  })

  test('without the flag a held lock fails at once', async () => {
    const { log, done } = run(['acquire', '-m', 'mine'], { reply: heldFor(100) })
    await expect(done).rejects.toThrow(`deploy lock found on 1.1.1.1:\n${DETAILS}\nRun`)
    expect(log.filter((l) => l.includes('mkdir -p'))).toHaveLength(1)
  })
})
