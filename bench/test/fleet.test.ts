import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, test } from 'vitest'
import { startFleet } from '../fleet/fleet.ts'
import { mostAtOnce } from '../fleet/scale-run.ts'
import { scaleScenario } from '../scale.ts'

// The scale bench's harness on a few hosts, so that it does not rot: real sshds, the real deploy
// command, the fake docker's records. `npm run bench` runs it on 10, 50 and 200 hosts.
describe('the scale bench on a fleet of 5 cheap hosts', () => {
  test('a deploy and a redeploy succeed: one SSH connection per host, max_concurrent_starts and boot.limit respected, run log complete', async () => {
    const lines: string[] = []
    // scaleScenario throws on a failed deploy, a host with other than one connection, more
    // containers starting at once than boot.limit, a host missing from the run log, or a
    // command the fake docker refused.
    const [result] = await scaleScenario({
      sizes: [5],
      bootLimitPercent: 40,
      maxConcurrentStarts: 2,
      log: (line) => lines.push(line),
    })
    expect(result!.bootLimit).toBe(2)
    for (const deploy of result!.deploys) {
      expect(deploy.exitCode).toBe(0)
      expect(Object.values(deploy.connections)).toEqual([1, 1, 1, 1, 1])
      // Groups of two, two and one, each host's roles one after the other: two at once at most (all
      // five at once when boot.limit is ignored). At least one, or the records were not read.
      expect(deploy.mostStarting).toBeGreaterThanOrEqual(1)
      expect(deploy.mostStarting).toBeLessThanOrEqual(2)
      // max_concurrent_starts: 2 for 5 hosts, seen from the sshds' side.
      expect(deploy.mostHandshaking).toBeGreaterThanOrEqual(1)
      expect(deploy.mostHandshaking).toBeLessThanOrEqual(2)
      expect(deploy.logProblems).toEqual([])
      expect(deploy.peakRssKiB).toBeGreaterThan(10_000)
    }
    // Nothing of the fleet is left: no sshd, no dir.
    const fleetDirs = lines.map((l) => /fleet dir (\S+)/.exec(l)?.[1]).filter(Boolean)
    expect(fleetDirs).toHaveLength(1)
    expect(existsSync(fleetDirs[0]!)).toBe(false)
    expect(spawnSync('pgrep', ['-f', fleetDirs[0]!]).status).toBe(1)
  }, 240_000)

  test('the fake docker refuses a flag it does not know, loudly', async () => {
    const fleet = await startFleet({ hosts: 1 })
    try {
      const ssh = spawnSync(
        'ssh',
        ['-i', fleet.sshKey, '-o', `UserKnownHostsFile=${fleet.knownHosts}`, '-o', 'BatchMode=yes'].concat([
          '-p',
          String(fleet.port),
          `root@${fleet.hosts[0]}`,
          'docker run --privileged --detach img',
        ]),
        { encoding: 'utf8' },
      )
      expect(ssh.status).toBe(125)
      expect(ssh.stderr).toContain('fake docker: unsupported: docker run --privileged --detach img')
      expect(fleet.refused()).toEqual([`${fleet.hosts[0]}: docker run --privileged --detach img`])
      // The sshd's log is read while this process waits (spawnSync did not let it).
      await expect.poll(() => fleet.connections(), { timeout: 10_000 }).toEqual({ [fleet.hosts[0]!]: 1 })
    } finally {
      fleet.stop()
    }
    expect(existsSync(fleet.dir)).toBe(false)
  }, 60_000)
})

test('mostAtOnce: the most [run, ready] intervals open at one instant', () => {
  expect(mostAtOnce([])).toBe(0)
  expect(
    mostAtOnce([
      { run: 0, ready: 10 },
      { run: 10, ready: 20 }, // starts as the first ends: not an overlap
      { run: 15, ready: 30 },
      { run: 16, ready: undefined }, // never ready: open to the end
    ]),
  ).toBe(3)
})
