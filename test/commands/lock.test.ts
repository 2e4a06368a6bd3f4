import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, test } from 'vitest'
import * as lock from '../../lib/commands/lock.ts'
import * as audit from '../../lib/commands/audit.ts'
import { argv, render } from '../../lib/shell/command.ts'
import { runWithFakeDocker } from './fake-docker.ts'
import { makeConfig, staging } from './fixture.ts'
import { readFileSync } from 'node:fs'

const config = makeConfig()
const details = lock.lockDetails({
  by: 'Deployer',
  at: '2024-06-01T12:00:00Z',
  version: '999',
  message: 'it\'s "urgent" $(id)',
})

describe('lock', () => {
  test("details text as Kamal's", () => {
    expect(details).toBe('Locked by: Deployer at 2024-06-01T12:00:00Z\nVersion: 999\nMessage: it\'s "urgent" $(id)')
  })

  test('acquire: mkdir -p locks, atomic mkdir, base64 details', () => {
    expect(argv(lock.acquire(staging(), { details }))).toEqual([
      'sh',
      '-c',
      'mkdir -p "$1" && mkdir "$2" && echo "$3" > "$2/details"',
      'sh',
      '.kamal/locks',
      '.kamal/locks/app-staging',
      Buffer.from(details).toString('base64'),
    ])
    expect(render(lock.release(config), { redact: true })).toBe('rm .kamal/locks/app/details && rm -r .kamal/locks/app')
    expect(argv(lock.status(config))).toEqual([
      'sh',
      '-c',
      'stat "$1" > /dev/null && cat "$1/details" | base64 -d',
      'sh',
      '.kamal/locks/app',
    ])
  })

  test('through a real sh: second acquire fails with "File exists", status decodes, release frees', () => {
    const first = runWithFakeDocker(lock.acquire(config, { details }), 'exit 0')
    expect(first.code).toBe(0)
    const home = first.home
    const second = runWithFakeDocker(lock.acquire(config, { details: 'other' }), 'exit 0', { home })
    expect(second.code).not.toBe(0)
    expect(second.stderr).toMatch(/File exists/)
    expect(runWithFakeDocker(lock.status(config), 'exit 0', { home }).stdout).toBe(details)
    expect(runWithFakeDocker(lock.release(config), 'exit 0', { home }).code).toBe(0)
    expect(existsSync(join(home, '.kamal/locks/app'))).toBe(false)
    const none = runWithFakeDocker(lock.status(config), 'exit 0', { home })
    expect(none.code).not.toBe(0)
    expect(none.stderr).toMatch(/No such file or directory/)
  })
})

describe('audit', () => {
  test('line tags as Kamal: [time] [performer] [destination] [role], unset ones left out', () => {
    expect(
      audit.auditLine(config, 'Booted app version 999', { recordedAt: '2024-06-01T12:00:00Z', performer: 'dhh' }),
    ).toBe('[2024-06-01T12:00:00Z] [dhh] Booted app version 999')
    expect(audit.auditLine(staging(), 'Booted', { recordedAt: 't', performer: 'p', role: 'web' })).toBe(
      '[t] [p] [staging] [web] Booted',
    )
  })

  test('record appends one line; reveal tails 50', () => {
    const command = audit.record(config, "Pruned `x` $HOME 'q'", { recordedAt: 't', performer: 'p' })
    expect(render(command, { redact: true })).toBe(
      `sh audit-record.sh .kamal .kamal/app-audit.log '[t] [p] Pruned \`x\` $HOME '\\''q'\\'''`,
    )
    const run = runWithFakeDocker(command, 'exit 0')
    runWithFakeDocker(command, 'exit 0', { home: run.home })
    expect(readFileSync(join(run.home, '.kamal/app-audit.log'), 'utf8')).toBe(
      "[t] [p] Pruned `x` $HOME 'q'\n".repeat(2),
    )
    expect(argv(audit.reveal(staging()))).toEqual(['tail', '-n', '50', '.kamal/app-staging-audit.log'])
  })
})
