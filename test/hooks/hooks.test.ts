import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, test } from 'vitest'
import { HOOK_NAMES, hookEnv, hookPath, hooksDir, isRunnable } from '../../lib/hooks.ts'
import { makeConfig, makeContext, recordingExecutor } from '../build/support.ts'

const dirs: string[] = []
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true })
})
const tempDir = (): string => {
  const dir = mkdtempSync(join(tmpdir(), 'slipway-hooks-'))
  dirs.push(dir)
  return dir
}

describe('hookEnv', () => {
  const recordedAt = new Date('2024-05-10T12:34:56.789Z')

  test('the whole variable set, KAMAL_ and SLIPWAY_ prefixed', () => {
    const ctx = makeContext(makeConfig({}, { destination: 'staging' }), recordingExecutor(), {
      version: '75bf6fa40b975cbd8aec05abf7164e0982f185ac',
    })
    const env = hookEnv({ ...ctx, subcommand: 'boot' }, { recordedAt, runtime: 12.6 })
    const kamal = {
      KAMAL_RECORDED_AT: '2024-05-10T12:34:56Z',
      KAMAL_PERFORMER: 'Tester',
      KAMAL_VERSION: '75bf6fa40b975cbd8aec05abf7164e0982f185ac',
      KAMAL_SERVICE_VERSION: 'app@75bf6fa',
      KAMAL_SERVICE: 'app',
      KAMAL_DESTINATION: 'staging',
      KAMAL_HOSTS: '1.1.1.1,1.1.1.2,1.1.1.3',
      KAMAL_COMMAND: 'deploy',
      KAMAL_SUBCOMMAND: 'boot',
      KAMAL_RUNTIME: '13',
      KAMAL_ROLES: 'web,workers',
    }
    const slipway = Object.fromEntries(Object.entries(kamal).map(([k, v]) => [k.replace('KAMAL_', 'SLIPWAY_'), v]))
    expect(env).toEqual({ ...kamal, ...slipway })
  })

  test('unset values are left out, not empty; a host group replaces the selection', () => {
    const ctx = makeContext(makeConfig(), recordingExecutor(), { version: 'abc_uncommitted_0123456789abcdef' })
    const env = hookEnv(ctx, { recordedAt, hosts: ['1.1.1.2'] })
    expect(
      Object.keys(env)
        .filter((k) => k.startsWith('KAMAL_'))
        .sort(),
    ).toEqual(
      ['COMMAND', 'HOSTS', 'PERFORMER', 'RECORDED_AT', 'ROLES', 'SERVICE', 'SERVICE_VERSION', 'VERSION'].map(
        (k) => `KAMAL_${k}`,
      ),
    )
    expect(env.KAMAL_HOSTS).toBe('1.1.1.2')
    expect(env.KAMAL_SERVICE_VERSION).toBe('app@abc_uncommitted_0123456789abcdef')
  })
})

describe('hooksDir', () => {
  test('hooks_path as configured, relative to the project root or absolute', () => {
    const root = tempDir()
    expect(hooksDir({ root, hooksPath: 'ops/hooks' })).toBe(join(root, 'ops/hooks'))
    expect(hooksDir({ root, hooksPath: '/etc/slipway/hooks' })).toBe('/etc/slipway/hooks')
  })

  test('the Kamal default .kamal/hooks, falling back to hooks/ only when .kamal/hooks is missing', () => {
    const root = tempDir()
    expect(hooksDir({ root, hooksPath: '.kamal/hooks' })).toBe(join(root, '.kamal/hooks'))
    mkdirSync(join(root, 'hooks'))
    expect(hooksDir({ root, hooksPath: '.kamal/hooks' })).toBe(join(root, 'hooks'))
    mkdirSync(join(root, '.kamal/hooks'), { recursive: true })
    expect(hooksDir({ root, hooksPath: '.kamal/hooks' })).toBe(join(root, '.kamal/hooks'))
    expect(hookPath({ root, hooksPath: '.kamal/hooks' }, 'pre-deploy')).toBe(join(root, '.kamal/hooks/pre-deploy'))
  })

  test('an explicit hooks_path never falls back', () => {
    const root = tempDir()
    mkdirSync(join(root, 'hooks'))
    expect(hooksDir({ root, hooksPath: 'ops/hooks' })).toBe(join(root, 'ops/hooks'))
  })
})

describe('isRunnable', () => {
  test('only existing, executable regular files', () => {
    const dir = tempDir()
    writeFileSync(join(dir, 'plain'), '#!/bin/sh\n')
    writeFileSync(join(dir, 'exec'), '#!/bin/sh\n')
    chmodSync(join(dir, 'exec'), 0o755)
    mkdirSync(join(dir, 'folder'))
    expect(isRunnable(join(dir, 'exec'))).toBe(true)
    expect(isRunnable(join(dir, 'plain'))).toBe(false)
    expect(isRunnable(join(dir, 'folder'))).toBe(false)
    expect(isRunnable(join(dir, 'missing'))).toBe(false)
  })

  test('the hook names are the documented ten', () => {
    expect(HOOK_NAMES).toHaveLength(10)
    expect(new Set(HOOK_NAMES).size).toBe(10)
  })
})
