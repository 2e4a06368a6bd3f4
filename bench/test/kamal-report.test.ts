import { describe, expect, test } from 'vitest'
import type { FloorSample } from '../floor.ts'
import { kamalReport, runRatios, type KamalRun } from '../kamal-report.ts'
import type { Stages } from '../stages.ts'

const servers = ['10.0.0.11', '10.0.0.12', '10.0.0.13']

// A run whose phases are `scale` times the floor's, the floor itself `floorMs` in all (five equal phases).
function run(totalMs: number, floorMs: number, extra: { cpuSeconds?: number; forks?: number } = {}): KamalRun {
  const part = floorMs / 5
  const floor: FloorSample = {
    buildPush: part,
    pull: part,
    webStage: part,
    workerStage: part,
    retire: part / 2,
    retirePrune: part,
  }
  const phase = totalMs / 5
  const stages: Stages = {
    startup: 0,
    buildPush: phase,
    pull: phase,
    webStage: phase,
    workerStage: phase,
    retire: phase,
    other: 0,
    total: totalMs,
  }
  return {
    sample: { totalMs, phases: [], commands: [], connections: 3, perHost: { '10.0.0.11': 7 }, load: 1, ...extra },
    stages,
    floor,
    floorLoad: 1,
  }
}

describe('the Kamal-shaped report', () => {
  test('each run against the floor measured just before it', () => {
    expect(runRatios([run(2000, 1600), run(2400, 2000), run(1800, 1500)])).toEqual([1.25, 1.2, 1.2])
  })

  test('prints the paired ratios beside the ratio of medians, and what each deploy cost the machine', () => {
    // Medians: 2200 ms against 1600 ms (1.38×), while each run is 1.10–1.50× its own floor.
    const report = kamalReport(
      [
        run(2200, 2000, { cpuSeconds: 3.5, forks: 900 }),
        run(2400, 1600, { cpuSeconds: 3.9, forks: 950 }),
        run(1800, 1500, { cpuSeconds: 3.6, forks: 910 }),
      ],
      servers,
      'Kamal: not installed',
    )
    expect(report).toContain('  total                                      2.20 s   1.80 s   2.40 s   1.60 s  1.38×')
    expect(report).toContain(
      'each run against its own floor (measured just before it): median 1.20× (min 1.10×, max 1.50×)',
    )
    expect(report).toContain('≤ 1.3× the floor: MISSED')
    expect(report).toMatch(
      /CPU used per deploy .*: median 3\.60 s \(min 3\.50, max 3\.90\), 1\.6 cores busy on average; processes and threads started: median 910$/m,
    )
  })

  test('without /proc/stat readings the CPU line says so', () => {
    expect(kamalReport([run(2000, 1600)], servers, 'Kamal: not installed')).toContain(
      'CPU used per deploy: not measured (no /proc/stat)',
    )
  })
})
