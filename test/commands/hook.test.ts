import { describe, expect, test } from 'vitest'
import * as hook from '../../lib/commands/hook.ts'
import { argv, render } from '../../lib/shell/command.ts'

describe('hook.run', () => {
  test('runs the hook by its absolute path, with nothing else in argv', () => {
    expect(argv(hook.run('/app/.kamal/hooks/pre-deploy'))).toEqual(['/app/.kamal/hooks/pre-deploy'])
  })

  test('a path with spaces stays one word', () => {
    expect(render(hook.run('/my app/hooks/pre-build'), { redact: true })).toBe("'/my app/hooks/pre-build'")
  })
})
