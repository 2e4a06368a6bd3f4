import { describe, expect, test } from 'vitest'
import * as git from '../../lib/commands/git.ts'
import { argv } from '../../lib/shell/command.ts'

describe('git builders', () => {
  test('local questions, with and without a directory', () => {
    expect(argv(git.revParseHead())).toEqual(['git', 'rev-parse', 'HEAD'])
    expect(argv(git.revParseHead('/app'))).toEqual(['git', '-C', '/app', 'rev-parse', 'HEAD'])
    expect(argv(git.statusPorcelain('/app'))).toEqual(['git', '-C', '/app', 'status', '--porcelain'])
    expect(argv(git.showToplevel('/app'))).toEqual(['git', '-C', '/app', 'rev-parse', '--show-toplevel'])
    expect(argv(git.toplevelAndHead('/app'))).toEqual(['git', '-C', '/app', 'rev-parse', '--show-toplevel', 'HEAD'])
    expect(argv(git.userIdentity('/app'))).toEqual([
      'git',
      '-C',
      '/app',
      'config',
      '--get-regexp',
      '^user\\.(name|email)$',
    ])
  })

  test('clone as Kamal: into the clone dir, with submodules', () => {
    expect(argv(git.clone('/tmp/slipway-clones/app-123', '/home/me/app'))).toEqual([
      'git',
      '-C',
      '/tmp/slipway-clones/app-123',
      'clone',
      '/home/me/app',
      '--recurse-submodules',
    ])
  })

  test('clone reset steps in Kamal order', () => {
    const build = '/tmp/slipway-clones/app-123/app'
    expect(git.cloneResetSteps(build, '/home/me/app', 'abc').map(argv)).toEqual([
      ['git', '-C', build, 'remote', 'set-url', 'origin', '/home/me/app'],
      ['git', '-C', build, 'fetch', 'origin'],
      ['git', '-C', build, 'reset', '--hard', 'abc'],
      ['git', '-C', build, 'clean', '-fdx'],
      ['git', '-C', build, 'submodule', 'update', '--init'],
    ])
  })

  test('clone checks and housekeeping', () => {
    expect(argv(git.cloneStatus('/c/app'))).toEqual(['git', '-C', '/c/app', 'status', '--porcelain'])
    expect(argv(git.cloneRevision('/c/app'))).toEqual(['git', '-C', '/c/app', 'rev-parse', 'HEAD'])
    expect(argv(git.makeCloneDir('/c'))).toEqual(['mkdir', '-p', '/c'])
    expect(argv(git.removeCloneDir('/c'))).toEqual(['rm', '-rf', '/c'])
  })
})
