import { expect, test } from 'vitest'
import { wrapToWidth } from '../../lib/run/wrap.ts'

test('long lines break between words, continuation lines indented; short ones and no width stay as they are', () => {
  const warning =
    'warning: docker buildx is not installed: building for this platform only (builder.multiarch: false silences this)'
  expect(wrapToWidth(warning, 60).split('\n')).toEqual([
    'warning: docker buildx is not installed: building for this',
    '  platform only (builder.multiarch: false silences this)',
  ])
  expect(wrapToWidth('short\nlines', 60)).toBe('short\nlines')
  expect(wrapToWidth(warning, undefined)).toBe(warning)
  expect(
    wrapToWidth(`x ${'y'.repeat(50)}`, 20)
      .split('\n')
      .every((l) => l.length <= 20),
  ).toBe(true)
})
