import { describe, expect, test } from 'vitest'
import * as health from '../../lib/commands/health.ts'
import { cutCord, tieCord } from '../../lib/commands/cord.ts'
import { argv, render } from '../../lib/shell/command.ts'
import { runWithFakeDocker } from './fake-docker.ts'
import { makeConfig, role, web } from './fixture.ts'

const config = makeConfig()

/** A docker whose `inspect` answers the given "<state> <health|-> <restarts>" lines in turn (the last repeats). */
const sequence = (...answers: string[]): string => `
n=$(cat n 2>/dev/null || echo 0); n=$((n + 1)); echo $n > n
case $n in ${answers.map((a, i) => (i === answers.length - 1 ? `*) echo "${a}" ;;` : `${i + 1}) echo "${a}" ;;`)).join(' ')} esac`

const polls = (run: { calls: string[][] }) => run.calls.filter((c) => c[0] === 'inspect').length

describe('inspect builders', () => {
  test("Kamal's status template and the health log", () => {
    expect(argv(health.inspectHealth('app-web-999'))).toEqual([
      'docker', 'inspect', '--format', '{{if .State.Health}}{{.State.Health.Status}}{{else}}{{.State.Status}}{{end}}', 'app-web-999',
    ])
    expect(argv(health.healthLog('app-web-999'))).toEqual(['docker', 'inspect', '--format', '{{json .State.Health}}', 'app-web-999'])
  })
})

describe('waitHealthy: one remote loop', () => {
  test('arguments: name, timeout (Kamal budget 1+…+max_attempts), interval, readiness polls', () => {
    const command = health.waitHealthy(config, web, 'app-web-999')
    expect(argv(command).slice(3)).toEqual(['sh', 'app-web-999', '28', '0.2', '35'])
    expect(argv(health.waitHealthy(config, role('web', { healthcheck: { ...web.healthcheck, maxAttempts: 3 } }), 'x', { interval: 0.5, readinessDelay: 0 })).slice(4)).toEqual([
      'x', '6', '0.5', '0',
    ])
  })

  test('exits 0 with "healthy" once the health check passes, polling every interval', () => {
    const started = Date.now()
    const run = runWithFakeDocker(health.waitHealthy(config, web, 'app-web-999', { interval: 0.05 }), sequence('created - 0', 'running starting 0', 'running healthy 0'))
    expect([run.code, run.stdout]).toEqual([0, 'healthy\n'])
    expect(polls(run)).toBe(3)
    expect(run.calls[0]).toEqual(['inspect', '--format', '{{.State.Status}} {{if .State.Health}}{{.State.Health.Status}}{{else}}-{{end}} {{.RestartCount}}', 'app-web-999'])
    expect(Date.now() - started).toBeLessThan(2000)
  })

  test('fails at once on unhealthy, exited, dead, a restart or a missing container', () => {
    for (const [answer, status] of [
      ['running unhealthy 0', 'unhealthy'],
      ['exited - 0', 'exited'],
      ['dead - 0', 'dead'],
      ['running starting 1', 'restarting'],
      ['restarting - 0', 'restarting'],
    ] as const) {
      const run = runWithFakeDocker(health.waitHealthy(config, web, 'c', { interval: 0.05 }), sequence('running starting 0', answer))
      expect([run.code, run.stdout, polls(run)]).toEqual([1, `${status}\n`, 2])
    }
    const missing = runWithFakeDocker(health.waitHealthy(config, web, 'c'), 'echo "Error: No such object: c" >&2; exit 1')
    expect([missing.code, missing.stdout]).toEqual([1, 'missing\n'])
  })

  test('a container without a health check must stay running for readiness_delay', () => {
    const run = runWithFakeDocker(health.waitHealthy(config, web, 'c', { interval: 0.05, readinessDelay: 0.2 }), sequence('running - 0'))
    expect([run.code, run.stdout, polls(run)]).toEqual([0, 'running\n', 5])
    const immediately = runWithFakeDocker(health.waitHealthy(config, web, 'c', { readinessDelay: 0 }), sequence('running - 0'))
    expect([immediately.code, polls(immediately)]).toEqual([0, 1])
  })

  test('times out with exit 2 and the last status', () => {
    const started = Date.now()
    const run = runWithFakeDocker(health.waitHealthy(config, web, 'c', { timeoutSeconds: 1, interval: 0.1 }), sequence('running starting 0'))
    expect([run.code, run.stdout]).toEqual([2, 'starting\n'])
    expect(Date.now() - started).toBeGreaterThanOrEqual(900)
    expect(Date.now() - started).toBeLessThan(3500)
  })

  test('works under bash and busybox sh too', () => {
    for (const shell of ['bash', 'busybox']) {
      const command = health.waitHealthy(config, web, 'c', { interval: 0.05 })
      const run = runWithFakeDocker(shell === 'busybox' ? { kind: 'exec', argv: ['busybox', ...command.kind === 'exec' ? command.argv : []] } : command, sequence('running starting 0', 'running healthy 0'), { shell: shell === 'busybox' ? 'sh' : shell })
      expect([run.code, run.stdout]).toEqual([0, 'healthy\n'])
    }
  })
})

describe('after the cord is cut', () => {
  test('waitUnhealthy returns once the container is unhealthy or gone', () => {
    const run = runWithFakeDocker(health.waitUnhealthy('c', { interval: 0.05 }), sequence('running healthy 0', 'running unhealthy 0'))
    expect([run.code, run.stdout, polls(run)]).toEqual([0, 'unhealthy\n', 2])
    const gone = runWithFakeDocker(health.waitUnhealthy('c'), 'exit 1')
    expect([gone.code, gone.stdout]).toEqual([0, 'missing\n'])
    const stuck = runWithFakeDocker(health.waitUnhealthy('c', { timeoutSeconds: 1, interval: 0.1 }), sequence('running healthy 0'))
    expect([stuck.code, stuck.stdout]).toEqual([2, 'healthy\n'])
  })

  test('failureReport: last log lines, then the health JSON as the last line', () => {
    const command = health.failureReport(config, web, 'app-web-999')
    expect(argv(command).slice(3)).toEqual(['sh', 'app-web-999', '50'])
    const run = runWithFakeDocker(command, 'case $1 in logs) echo "boom"; echo "stack" >&2 ;; inspect) echo \'{"Status":"unhealthy","FailingStreak":3,"Log":[]}\' ;; esac')
    expect(run.stdout).toBe('boom\nstack\n{"Status":"unhealthy","FailingStreak":3,"Log":[]}\n')
    expect(run.calls[0]).toEqual(['logs', '--tail', '50', 'app-web-999'])
  })
})

describe('cord', () => {
  test('tieCord makes the dir and the cord file', () => {
    expect(render(tieCord('.kamal/cords/app-web-abc'), { redact: true })).toBe('mkdir -p .kamal/cords/app-web-abc && touch .kamal/cords/app-web-abc/cord')
  })

  test('cutCord removes the host dir mounted at the cord path, found through docker inspect', () => {
    const mounts = (dir: string) => `printf '%s %s\\n' /data /data '${dir}' /tmp/kamal-cord`
    const tie = runWithFakeDocker(tieCord('cords/app-web-abc'), 'exit 0')
    const cut = runWithFakeDocker(cutCord('app-web-1', '/tmp/kamal-cord'), mounts(`${tie.home}/cords/app-web-abc`), { home: tie.home })
    expect([cut.code, cut.stdout]).toEqual([0, `${tie.home}/cords/app-web-abc\n`])
    expect(cut.calls[0]).toEqual(['inspect', '-f', '{{ range .Mounts }}{{printf "%s %s\\n" .Source .Destination}}{{ end }}', 'app-web-1'])
    const again = runWithFakeDocker(cutCord('app-web-1', '/tmp/kamal-cord'), "printf '/data /data\\n'", { home: tie.home })
    expect([again.code, again.stdout]).toEqual([0, ''])
  })
})
