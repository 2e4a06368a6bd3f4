import { describe, expect, test } from 'vitest'
import { buildLog, TAIL_LINES } from '../../lib/build/build-log.ts'

const fed = (lines: string[]) => {
  const log = buildLog()
  lines.forEach((l) => log.push(l))
  return log
}

describe('buildLog', () => {
  test("BuildKit: the ` > [n/m] STEP:` summary, as docker 20.10's plain progress prints it", () => {
    const log = fed([
      '#7 [3/4] RUN echo about to fail && exit 3',
      '#7 0.407 about to fail',
      '#7 ERROR: executor failed running [/bin/sh -c echo about to fail && exit 3]: exit code: 3',
      '------',
      ' > [3/4] RUN echo about to fail && exit 3:',
      '------',
      'executor failed running [/bin/sh -c echo about to fail && exit 3]: exit code: 3',
    ])
    expect(log.failingStep()).toBe('[3/4] RUN echo about to fail && exit 3')
  })

  test('legacy builder: the last `Step n/m :` line, however much the step printed after it', () => {
    const noise = Array.from({ length: 500 }, (_, i) => `compiling ${i}`)
    const log = fed(['Step 1/4 : FROM base', ' ---> a65b0618d2ae', 'Step 3/4 : RUN make', ...noise, 'exit 3'])
    expect(log.failingStep()).toBe('step 3/4 : RUN make')
    expect(log.tail()).toHaveLength(TAIL_LINES)
    expect(log.tail().at(-1)).toBe('exit 3')
  })

  test('a Dockerfile parse error, else nothing', () => {
    expect(
      fed([
        'failed to solve with frontend dockerfile.v0: failed to create LLB definition: dockerfile parse error line 1: unknown instruction: FROMM',
      ]).failingStep(),
    ).toBe('dockerfile parse error line 1: unknown instruction: FROMM')
    expect(fed(['error during connect: permission denied']).failingStep()).toBeUndefined()
  })
})
