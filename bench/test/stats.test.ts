import { describe, expect, test } from 'vitest'
import { collapse, commandRows, median, phaseRows, roundTrips, spread, type RunSample } from '../stats.ts'
import { sizeReport, summary } from '../report.ts'

const hosts = ['10.0.0.11', '10.0.0.12', '10.0.0.13']
const phase = (path: string[], start: number, ms: number) => ({ path, start, ms })
const command = (host: string, path: string[], what: string, start: number, ms: number) => ({
  host,
  path,
  what,
  start,
  ms,
})

// Two runs; per-host tasks with different times, so "the slowest host counts" is visible.
const runs: RunSample[] = [1, 2].map((k) => ({
  totalMs: 2500 + 500 * k,
  cpuBusy: 0.5 + 0.4 * (k - 1),
  connections: 3,
  perHost: { '10.0.0.11': 10 + k, '10.0.0.12': 8, '10.0.0.13': 7 },
  phases: [
    phase(['Pull image', 'web on 10.0.0.12'], 5, 200 * k),
    phase(['Pull image'], 0, 500 * k),
    phase(['Pull image', 'web on 10.0.0.11'], 4, 300 * k),
    phase(['Never finished'], 9, Number.NaN),
  ],
  commands: [
    command('10.0.0.11', ['Pull image', 'web on 10.0.0.11'], 'docker pull', 4, 100 * k),
    command('10.0.0.12', ['Pull image', 'web on 10.0.0.12'], 'docker pull', 5, 250 * k),
    command('10.0.0.11', ['Pull image', 'web on 10.0.0.11'], 'sh', 6, 50),
    command('localhost', ['Build image'], 'docker build', 1, 1000),
  ],
}))

describe('median and spread', () => {
  test('odd, even and empty', () => {
    expect(median([3, 1, 2])).toBe(2)
    expect(median([4, 1, 3, 2])).toBe(2.5)
    expect(median([])).toBeNaN()
    expect(spread([5, 1, 9])).toEqual({ median: 5, min: 1, max: 9 })
  })
})

describe('collapse', () => {
  test('replaces every host address with *', () => {
    expect(collapse('web on 10.0.0.12', hosts)).toBe('web on *')
    expect(collapse('Acquire on 10.0.0.11', hosts)).toBe('Acquire on *')
    expect(collapse('Build image', hosts)).toBe('Build image')
  })
})

describe('phaseRows', () => {
  test('one row per task with hosts collapsed, in start order, the slowest host per run, unfinished tasks left out', () => {
    expect(phaseRows(runs, hosts)).toEqual([
      { key: 'Pull image', title: 'Pull image', depth: 0, ms: { median: 750, min: 500, max: 1000 } },
      { key: 'Pull image › web on *', title: 'web on *', depth: 1, ms: { median: 450, min: 300, max: 600 } },
    ])
  })
})

describe('commandRows', () => {
  test('the n-th command of a host in a task lines up across hosts and runs; slowest first', () => {
    expect(commandRows(runs, hosts)).toEqual([
      { key: 'Build image #1 docker build', ms: { median: 1000, min: 1000, max: 1000 } },
      { key: 'Pull image › web on * #1 docker pull', ms: { median: 375, min: 250, max: 500 } },
      { key: 'Pull image › web on * #2 sh', ms: { median: 50, min: 50, max: 50 } },
    ])
    expect(commandRows(runs, hosts, 1)).toHaveLength(1)
  })
})

describe('roundTrips', () => {
  test('connections, and commands on the primary, the median host and the busiest host', () => {
    expect(roundTrips(runs, '10.0.0.11')).toEqual({
      connections: { median: 3, min: 3, max: 3 },
      hosts: { median: 3, min: 3, max: 3 },
      primary: { median: 11.5, min: 11, max: 12 },
      perHost: { median: 8, min: 8, max: 8 },
      busiest: { median: 11.5, min: 11, max: 12 },
    })
  })
})

describe('sizeReport and summary', () => {
  test('compare with Kamal and the targets', () => {
    const report = sizeReport({ servers: hosts, runs, warmupMs: 9000, background: 0.25 })
    expect(report).toContain('3 servers: 2 timed runs (+1 warm-up: 9.00 s)')
    expect(report).toContain('Kamal 1.9.3: 16 s → 4.9× faster; target ≤ 4 s: met')
    expect(report).toContain(
      'remote commands per host: primary 11.5, median host 8, busiest 11.5 (max in any run 12); target ≤ 12: met',
    )
    expect(report).toMatch(
      /machine CPU busy during the runs \(all processes, \d+ cores\): median 70% \(min 50%, max 90%\); 25% before the runs, with no deploy going on/,
    )
    expect(report).toContain('SSH connections per run: 3 (min 3, max 3) for 3 hosts; one per host: yes')
    expect(report).toMatch(/ {4}web on \* +0\.45 s {3}0\.30 s {3}0\.60 s/)
    expect(summary([{ servers: hosts, runs, warmupMs: 0 }])).toContain(
      '| 3 | 3.25 s (3.00 s–3.50 s) | 16 s | 3 | 11.5 / 12 |',
    )
  })

  test('misses are flagged: a median over 4 s, more connections than hosts', () => {
    const slow = runs.map((r) => ({ ...r, totalMs: r.totalMs + 1000 }))
    expect(sizeReport({ servers: hosts, runs: slow, warmupMs: 0 })).toContain('target ≤ 4 s: MISSED')
    const redialled = runs.map((r) => ({ ...r, connections: 4 }))
    expect(sizeReport({ servers: hosts, runs: redialled, warmupMs: 0 })).toContain('one per host: NO')
  })
})
