import { describe, expect, test } from 'vitest'
import { busySeconds, busyShare, cpuTimes, forkCount } from '../cpu.ts'

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

describe('busySeconds', () => {
  test('the busy ticks between two readings, at 100 a second', () => {
    expect(
      busySeconds(
        cpuTimes(() => STAT(1000, 5000)),
        cpuTimes(() => STAT(1350, 5100)),
      ),
    ).toBe(3.5)
    expect(busySeconds({ busy: 1, total: 2 }, undefined)).toBeUndefined()
  })
})

describe('forkCount', () => {
  test('the "processes" line of /proc/stat; undefined without it', () => {
    expect(forkCount(() => `${STAT(1, 2)}ctxt 9\nbtime 1\nprocesses 11334859\nprocs_running 1\n`)).toBe(11334859)
    expect(forkCount(() => STAT(1, 2))).toBeUndefined()
    expect(
      forkCount(() => {
        throw new Error('ENOENT')
      }),
    ).toBeUndefined()
  })
})
