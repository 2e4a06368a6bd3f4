import { describe, expect, test } from 'vitest'
import * as git from '../../lib/commands/git.ts'
import { argv } from '../../lib/shell/command.ts'

describe('git builders', () => {
  test('local questions, with and without a directory', () => {
    expect(argv(git.statusPorcelain('/app'))).toEqual(['git', '-C', '/app', 'status', '--porcelain'])
    expect(argv(git.toplevelAndHead())).toEqual(['git', 'rev-parse', '--show-toplevel', 'HEAD'])
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

  test('the clone is prepared by one program, named and bound by parameter', () => {
    const paths = { cloneDir: '/tmp/slipway-clones/app-123', top: '/tmp/slipway-clones/app-123/app', buildDir: '/b' }
    const command = git.clonePrepare('reset', paths, '/home/me/app', 'abc')
    expect(command.kind === 'exec' && command.program).toBe('clone-prepare.sh')
    expect(argv(command).slice(3)).toEqual(['sh', 'reset', paths.cloneDir, paths.top, '/b', '/home/me/app', 'abc'])
  })

  test('its output: the HEAD line, then the status lines', () => {
    expect(git.parseClonePrepare('head=abc\n')).toEqual({ head: 'abc', status: '' })
    expect(git.parseClonePrepare('head=abc\n M app.txt\n?? new.txt\n')).toEqual({
      head: 'abc',
      status: ' M app.txt\n?? new.txt',
    })
    expect(git.parseClonePrepare('')).toEqual({ head: '', status: '' })
  })
})
