import { describe, expect, test } from 'vitest'
import { describeFailure } from '../../lib/commands/health.ts'

describe('health.describeFailure', () => {
  test('log lines, then the health checks with identical runs counted once', () => {
    const health = {
      Status: 'unhealthy',
      FailingStreak: 3,
      Log: [
        { ExitCode: 1, Output: 'wget: server returned error: HTTP/1.1 404 Not Found\n' },
        { ExitCode: 1, Output: 'wget: server returned error: HTTP/1.1 404 Not Found\n' },
        { ExitCode: 0, Output: '' },
        { ExitCode: 1, Output: 'line one\nline two\n' },
      ],
    }
    expect(describeFailure(`booting\nlistening on 80\n${JSON.stringify(health)}\n`)).toBe(
      [
        'container log (last 2 lines):',
        '  booting',
        '  listening on 80',
        'last health checks:',
        '  exit 1: wget: server returned error: HTTP/1.1 404 Not Found (×2)',
        '  exit 0: (no output)',
        '  exit 1: line one line two',
      ].join('\n'),
    )
  })

  test('a container without a health check: its log only', () => {
    expect(describeFailure('exec /app: no such file\nnull\n')).toBe(
      'container log (last 1 line):\n  exec /app: no such file',
    )
  })

  test('output that is not the report protocol is shown as log lines, never thrown', () => {
    expect(describeFailure('something else')).toBe('container log (last 1 line):\n  something else')
    expect(describeFailure('')).toBe('')
  })
})
