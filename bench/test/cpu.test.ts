import { describe, expect, test } from 'vitest'
import { busyShare, cpuTimes } from '../cpu.ts'

const STAT = (user: number, idle: number): string =>
  `cpu  ${user} 0 100 ${idle} 50 0 10 0 0 0\ncpu0 1 2 3 4 5 6 7 8 0 0\nintr 1 2 3\n`

describe('cpuTimes', () => {
  test('sums the aggregate cpu line; idle and iowait are not busy', () => {
    expect(cpuTimes(() => STAT(1000, 5000))).toEqual({ busy: 1110, total: 6160 })
  })

  test('undefined when /proc/stat cannot be read or has no cpu line', () => {
    expect(
      cpuTimes(() => {
        throw new Error('ENOENT')
      }),
    ).toBeUndefined()
    expect(cpuTimes(() => 'intr 1 2\n')).toBeUndefined()
  })
})

describe('busyShare', () => {
  test('the busy share of the ticks between two readings', () => {
    expect(
      busyShare(
        cpuTimes(() => STAT(1000, 5000)),
        cpuTimes(() => STAT(1300, 5100)),
      ),
    ).toBe(0.75)
    expect(busyShare(undefined, { busy: 1, total: 2 })).toBeUndefined()
  })
})
