import { describe, expect, test } from 'vitest'
import * as docker from '../../lib/commands/docker.ts'
import * as health from '../../lib/commands/health.ts'
import { cutCord, tieCord } from '../../lib/commands/cord.ts'
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { argv, render, script, type Command } from '../../lib/shell/command.ts'
import { runWithFakeDocker, SHELLS, type FakeOptions, type FakeRun } from './fake-docker.ts'
import { makeConfig, role, web } from './fixture.ts'

const config = makeConfig()

/**
 * A small fake Docker daemon in sh, state in files of the run's home:
 * - `state`: what `docker inspect` answers ("<id> <state> <health|-> <restarts>"); no file = no such container;
 * - `events.log`: "<unix ns> <id> <action>" lines; `docker events` replays those from --since on and
 *   follows new ones until --until, filtered by container ID and event type (`health_status` matches
 *   `health_status: healthy` as docker 20.10 does), printing each action; it records its pid in events.pid.
 * - `test`: the container's health test, one word a line (what `{{range .Config.Healthcheck.Test}}` prints);
 * - `check`: sh run by `docker exec` (its arguments as "$@"); no file: the command fails. Each exec's
 *   pid is appended to exec.pids.
 * `onInspect` is sh run by each `docker inspect` of the state AFTER it answered ($n = the inspect's number), with
 * helpers `become "<state> <health> <restarts>"`, `emit <action>` and `later <seconds> <helper…>`.
 */
const daemon = (onInspect = ':'): string => `
ID=c0ffee
now() { /usr/bin/date +%s%N; }
become() { echo "$ID $1" > state; }
emit() { echo "$(now) $ID $1" >> events.log; }
healthy() { become "running healthy 0"; emit "health_status: healthy"; }
unhealthy() { become "running unhealthy 0"; emit "health_status: unhealthy"; }
later() { (sleep "$1"; eval "$2") >/dev/null 2>&1 & }
case $1 in
inspect)
  case $3 in *Healthcheck.Test*) cat test; exit 0 ;; esac
  n=$(cat n 2>/dev/null || echo 0); n=$((n + 1)); echo $n > n; now > inspected.$n
  if [ -f state ]; then cat state; else echo "Error: No such object: $5" >&2; exit 1; fi
  { ${onInspect}; } || : ;;
events)
  echo $$ > events.pid; shift; acts=
  [ -f events.fail ] && { echo "Error response from daemon: boom" >&2; exit 1; }
  while [ $# -gt 0 ]; do case $1 in
    --since) since=$2; shift ;; --until) until=$2; shift ;; --format) shift ;;
    --filter) case $2 in container=*) id=\${2#container=} ;; event=*) acts="$acts \${2#event=}" ;; esac; shift ;;
  esac; shift; done
  s=\${since%.*}\${since#*.} u=\${until%.*}\${until#*.} seen=0
  while :; do
    i=0
    while read -r ts cid act; do
      i=$((i + 1)); [ $i -le $seen ] && continue; seen=$i
      [ "$ts" -ge "$s" ] && [ "$ts" -le "$u" ] && [ "$cid" = "$id" ] || continue
      for a in $acts; do case $act in "$a"|"$a: "*) echo "$act" ;; esac; done
    done < events.log
    [ "$(now)" -ge "$u" ] && exit 0
    sleep 0.01
  done ;;
exec)
  echo $$ >> exec.pids
  shift 2
  [ -f check ] && exec sh check "$@"
  exit 1 ;;
esac`

const inspects = (run: FakeRun): number => run.calls.filter((c) => c[0] === 'inspect').length
const subscriptions = (run: FakeRun): string[][] => run.calls.filter((c) => c[0] === 'events')
const file = (run: FakeRun, name: string): string => readFileSync(join(run.home, name), 'utf8').trim()
const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

/** Runs a wait under the fake daemon with its own TMPDIR; checks that no `docker events` and no fifo outlive it. */
function waitWith(
  command: Command,
  initial: string | undefined,
  onInspect?: string,
  options: FakeOptions = {},
): FakeRun & { ms: number } {
  const tmp = mkdtempSync(join(tmpdir(), 'slipway-tmp-'))
  const home = options.home ?? mkdtempSync(join(tmpdir(), 'slipway-cmd-'))
  writeFileSync(join(home, 'events.log'), '')
  if (initial !== undefined) writeFileSync(join(home, 'state'), `c0ffee ${initial}\n`)
  const started = Date.now()
  const run = runWithFakeDocker(command, daemon(onInspect), { home, env: { TMPDIR: tmp }, ...options })
  const ms = Date.now() - started
  if (existsSync(join(home, 'events.pid'))) expect(alive(Number(file(run, 'events.pid')))).toBe(false)
  expect(readdirSync(tmp)).toEqual([])
  return { ...run, ms }
}

const EVENTS = [
  '--filter',
  'container=c0ffee',
  '--filter',
  'event=health_status',
  '--filter',
  'event=die',
  '--filter',
  'event=start',
  '--format',
  '{{.Action}}',
]
const INSPECT = [
  'inspect',
  '--format',
  '{{.Id}} {{.State.Status}} {{with index .State "Health"}}{{.Status}}{{else}}-{{end}} {{.RestartCount}}',
]
const ns = (stamp: string): bigint => BigInt(stamp.replace('.', ''))

describe('waitHealthy: one remote script on docker events', () => {
  test('arguments: name, timeout in ms (Kamal budget 1+…+max_attempts), readiness_delay in ms, fallback interval', () => {
    const command = health.waitHealthy(config, web, 'app-web-999')
    expect(argv(command).slice(3)).toEqual(['sh', 'app-web-999', '28000', '7000', '0.2', '', ''])
    expect(
      argv(
        health.waitHealthy(config, role('web', { healthcheck: { ...web.healthcheck, maxAttempts: 3 } }), 'x', {
          interval: 0.5,
          readinessDelay: 0.25,
          checkEvery: 0.2,
          checkCommand: 'curl -f localhost/up',
        }),
      ).slice(4),
    ).toEqual(['x', '6000', '250', '0.5', '0.2', 'curl -f localhost/up'])
  })

  test('decides at once on the current state, without subscribing', () => {
    for (const [state, code, status] of [
      ['running healthy 0', 0, 'healthy'],
      ['running unhealthy 0', 1, 'unhealthy'],
      ['exited - 0', 1, 'exited'],
      ['exited unhealthy 0', 1, 'exited'],
      ['dead - 0', 1, 'dead'],
      ['running starting 1', 1, 'restarting'],
      ['restarting - 0', 1, 'restarting'],
      [undefined, 1, 'missing'],
    ] as const) {
      const run = waitWith(health.waitHealthy(config, web, 'app-web-999'), state)
      expect([run.code, run.stdout, inspects(run), subscriptions(run).length]).toEqual([code, `${status}\n`, 1, 0])
    }
  })

  test('healthy when the health_status event arrives late: subscribed by container ID, since before the inspect', () => {
    const run = waitWith(
      health.waitHealthy(config, web, 'app-web-999'),
      'running starting 0',
      '[ $n = 1 ] && later 0.4 healthy',
    )
    expect([run.code, run.stdout, inspects(run)]).toEqual([0, 'healthy\n', 1])
    expect(run.calls[0]).toEqual([...INSPECT, 'app-web-999'])
    const [events] = subscriptions(run)
    expect(events).toEqual([
      'events',
      '--since',
      expect.stringMatching(/^\d+\.\d{9}$/),
      '--until',
      expect.stringMatching(/^\d+\.\d{9}$/),
      ...EVENTS,
    ])
    const [since, until] = [ns(events![2]!), ns(events![4]!)]
    expect(since).toBeLessThanOrEqual(BigInt(file(run, 'inspected.1')))
    expect(until - since).toBeGreaterThanOrEqual(27_900_000_000n)
    expect(until - since).toBeLessThanOrEqual(28_000_000_000n)
    expect(run.ms).toBeGreaterThanOrEqual(400)
    expect(run.ms).toBeLessThan(5000)
  })

  test('healthy when the change lands between the inspect and the subscription (the daemon replays it)', () => {
    const run = waitWith(
      health.waitHealthy(config, web, 'c', { timeoutSeconds: 2 }),
      'running starting 0',
      '[ $n = 1 ] && healthy',
    )
    expect([run.code, run.stdout, inspects(run), subscriptions(run).length]).toEqual([0, 'healthy\n', 1, 1])
    expect(run.ms).toBeLessThan(5000)
  })

  test('events of other containers or types do not decide', () => {
    const other =
      'echo "$(now) 0ther health_status: healthy" >> events.log; emit "exec_start: wget"; emit "health_status: unhealthy"'
    const run = waitWith(
      health.waitHealthy(config, web, 'c'),
      'running starting 0',
      `[ $n = 1 ] && later 0.2 '${other}'`,
    )
    expect([run.code, run.stdout]).toEqual([1, 'unhealthy\n'])
  })

  test('unhealthy event: exit 1 at once', () => {
    const run = waitWith(
      health.waitHealthy(config, web, 'c'),
      'running starting 0',
      '[ $n = 1 ] && later 0.2 unhealthy',
    )
    expect([run.code, run.stdout, inspects(run)]).toEqual([1, 'unhealthy\n', 1])
    expect(run.ms).toBeLessThan(5000)
  })

  test('die: exited, or restarting when the restart policy brought it back', () => {
    const exited = waitWith(
      health.waitHealthy(config, web, 'c'),
      'running starting 0',
      '[ $n = 1 ] && later 0.2 \'become "exited unhealthy 0"; emit die\'',
    )
    expect([exited.code, exited.stdout, inspects(exited)]).toEqual([1, 'exited\n', 2])
    // The restart has already happened by the second look, and the count is not yet up: the die decides.
    const restarted = waitWith(
      health.waitHealthy(config, web, 'c'),
      'running starting 0',
      "[ $n = 1 ] && later 0.2 'emit die; emit start'",
    )
    expect([restarted.code, restarted.stdout, inspects(restarted)]).toEqual([1, 'restarting\n', 2])
    expect(restarted.ms).toBeLessThan(5000)
  })

  test('a container without a health check must stay running for readiness_delay; a die within it fails', () => {
    const ready = waitWith(health.waitHealthy(config, web, 'c', { readinessDelay: 0.3 }), 'running - 0')
    expect([ready.code, ready.stdout, inspects(ready)]).toEqual([0, 'running\n', 2])
    const [events] = subscriptions(ready)
    expect(ns(events![4]!) - ns(events![2]!)).toBe(300_000_000n)
    expect(ready.ms).toBeGreaterThanOrEqual(300)
    expect(ready.ms).toBeLessThan(5000)
    const immediately = waitWith(health.waitHealthy(config, web, 'c', { readinessDelay: 0 }), 'running - 0')
    expect([immediately.code, inspects(immediately), subscriptions(immediately).length]).toEqual([0, 1, 0])
    const died = waitWith(
      health.waitHealthy(config, web, 'c', { readinessDelay: 5 }),
      'running - 0',
      `[ $n = 1 ] && later 0.2 'become "exited - 0"; emit die'`,
    )
    expect([died.code, died.stdout, inspects(died)]).toEqual([1, 'exited\n', 2])
    expect(died.ms).toBeLessThan(5000)
  })

  test('a container seen `created` is looked at again when it starts', () => {
    const run = waitWith(
      health.waitHealthy(config, web, 'c', { readinessDelay: 0 }),
      'created - 0',
      `[ $n = 1 ] && later 0.2 'become "running - 0"; emit start'`,
    )
    expect([run.code, run.stdout, inspects(run)]).toEqual([0, 'running\n', 2])
    expect(run.ms).toBeLessThan(5000)
  })

  test('times out with exit 2 and the last status, the subscription ending at the deadline', () => {
    const run = waitWith(health.waitHealthy(config, web, 'c', { timeoutSeconds: 0.5 }), 'running starting 0')
    expect([run.code, run.stdout, inspects(run), subscriptions(run).length]).toEqual([2, 'starting\n', 2, 1])
    expect(run.ms).toBeGreaterThanOrEqual(500)
    expect(run.ms).toBeLessThan(5000)
  })

  test('when docker events fails, it looks again every interval (no busy loop)', () => {
    const home = mkdtempSync(join(tmpdir(), 'slipway-cmd-'))
    writeFileSync(join(home, 'events.fail'), '')
    const run = waitWith(
      health.waitHealthy(config, web, 'c', { interval: 0.1 }),
      'running starting 0',
      `[ $n = 2 ] && healthy`,
      { home },
    )
    expect([run.code, run.stdout, inspects(run), subscriptions(run).length]).toEqual([0, 'healthy\n', 3, 2])
    expect(run.ms).toBeGreaterThanOrEqual(200)
  })

  test('a date without %N: whole seconds, rounded down', () => {
    const date = '[ "$1" = +%s%N ] && { echo "$(/usr/bin/date +%s)%N"; exit 0; }; exec /usr/bin/date "$@"'
    const run = waitWith(
      health.waitHealthy(config, web, 'c'),
      'running starting 0',
      '[ $n = 1 ] && later 0.2 healthy',
      { tools: { date } },
    )
    expect([run.code, run.stdout]).toEqual([0, 'healthy\n'])
    const [events] = subscriptions(run)
    expect([events![2], events![4]]).toEqual([
      expect.stringMatching(/^\d+\.000000000$/),
      expect.stringMatching(/^\d+\.000000000$/),
    ])
    expect(ns(events![4]!) - ns(events![2]!)).toBe(28_000_000_000n)
    expect(ns(events![2]!)).toBeLessThanOrEqual(BigInt(file(run, 'inspected.1')))
  })

  test.each(SHELLS.map((shell) => [shell.join(' '), shell] as const))(
    '%s: a TERM (Ctrl-C on the host) kills docker events and removes the fifo',
    (_, shell) => {
      const [, , text, ...rest] = argv(health.waitHealthy(config, web, 'c'))
      const cancel = script(
        '"$@" & p=$!; while [ ! -s events.pid ]; do sleep 0.01; done; kill -TERM "$p"; wait "$p"; echo "rc=$?"',
        ...shell,
        '-c',
        text!,
        ...rest,
      )
      const run = waitWith(cancel, 'running starting 0')
      expect(run.stdout).toBe('rc=143\n')
      expect(run.ms).toBeLessThan(5000)
    },
  )

  test.each(SHELLS.map((shell) => [shell.join(' '), shell] as const))(
    '%s: healthy at the health_status event',
    (_, shell) => {
      const run = waitWith(
        health.waitHealthy(config, web, 'c'),
        'running starting 0',
        '[ $n = 1 ] && later 0.2 healthy',
        { shell },
      )
      expect([run.code, run.stdout, inspects(run)]).toEqual([0, 'healthy\n', 1])
    },
  )
})

test('finalStatus: the last line of a wait', () => {
  expect(health.finalStatus('starting\nhealthy\n')).toBe('healthy')
  expect(health.finalStatus('\n')).toBeUndefined()
})

test('start interval from API 1.44 (Engine 25); the API version read from `docker version` amid other output', () => {
  expect(['1.41', '1.43', '1.44', '1.47', '2.0', undefined, '', 'x'].map(health.startIntervalSupported)).toEqual([
    false,
    false,
    true,
    true,
    true,
    false,
    false,
    false,
  ])
  expect(argv(docker.apiVersion())).toEqual(['docker', 'version', '--format', 'api={{.Client.APIVersion}}'])
  expect(docker.parseApiVersion('api=1.41\nLogin Succeeded\n')).toBe('1.41')
  expect(docker.parseApiVersion('Login Succeeded\n')).toBeUndefined()
})

describe('waitHealthy with the own check (engines without --health-start-interval)', () => {
  const SHELL_TEST = 'CMD-SHELL\nwget -q -O /dev/null http://127.0.0.1/up || exit 1\n'
  const execs = (run: FakeRun): string[][] => run.calls.filter((c) => c[0] === 'exec')
  /** A home whose container has health test `test` and whose `docker exec` runs `check`. */
  const homeWith = (test: string, check?: string): string => {
    const home = mkdtempSync(join(tmpdir(), 'slipway-cmd-'))
    writeFileSync(join(home, 'test'), test)
    if (check !== undefined) writeFileSync(join(home, 'check'), check)
    return home
  }
  /** No `docker exec` the check started is still running. */
  const noExecLeft = (run: FakeRun): void => {
    const pids = existsSync(join(run.home, 'exec.pids')) ? file(run, 'exec.pids').split('\n').map(Number) : []
    expect(pids.filter(alive)).toEqual([])
  }
  const own = { checkEvery: 0.05 }
  // For `check` scripts: $n = how many times the health command has run, this run included.
  const COUNT = 'n=$(($(cat checks 2>/dev/null || echo 0) + 1)); echo $n > checks'
  const UNHEALTHY = `{ echo "c0ffee running unhealthy 0" > state; echo "$(date +%s%N) c0ffee health_status: unhealthy" >> events.log; }`

  test.each(SHELLS.map((shell) => [shell.join(' '), shell] as const))(
    '%s: proceeds when its health command first passes, while Docker still says starting',
    (_, shell) => {
      // The command passes from its second run on; Docker never reports anything.
      const home = homeWith(SHELL_TEST, `${COUNT}; [ "$n" -ge 2 ]`)
      const run = waitWith(health.waitHealthy(config, web, 'c', own), 'running starting 0', undefined, {
        home,
        shell,
      })
      expect([run.code, run.stdout, run.stderr]).toEqual([0, 'by=check\nhealthy\n', ''])
      expect(health.passedOwnCheck(run.stdout)).toBe(true)
      // Docker's way of running CMD-SHELL, in the container found by the first look.
      expect(execs(run)[0]).toEqual([
        'exec',
        'c0ffee',
        '/bin/sh',
        '-c',
        'wget -q -O /dev/null http://127.0.0.1/up || exit 1',
      ])
      expect(execs(run).length).toBe(2)
      noExecLeft(run)
    },
  )

  test.each(SHELLS.map((shell) => [shell.join(' '), shell] as const))(
    '%s: fails at once on unhealthy while its health command keeps failing',
    (_, shell) => {
      // Docker turns it unhealthy once the command failed twice (as its own checks would have).
      const home = homeWith(SHELL_TEST, `${COUNT}; [ "$n" -lt 2 ] || ${UNHEALTHY}; exit 1`)
      const run = waitWith(health.waitHealthy(config, web, 'c', own), 'running starting 0', undefined, {
        home,
        shell,
      })
      expect([run.code, run.stdout, run.stderr]).toEqual([1, 'unhealthy\n', ''])
      expect(execs(run).length).toBeGreaterThanOrEqual(2)
      noExecLeft(run)
    },
  )

  test('a health command the caller set is run as Docker runs it, without reading it from the container', () => {
    const home = homeWith('CMD\n/never\n', '[ "$*" = "/bin/sh -c curl -f \'http://x/up\' || exit 1" ]')
    const run = waitWith(
      health.waitHealthy(config, web, 'c', { ...own, checkCommand: "curl -f 'http://x/up' || exit 1" }),
      'running starting 0',
      undefined,
      { home },
    )
    expect([run.code, run.stdout]).toEqual([0, 'by=check\nhealthy\n'])
    expect(run.calls.filter((c) => c[0] === 'inspect' && c[2]!.includes('Healthcheck.Test'))).toEqual([])
    noExecLeft(run)
  })

  describe('with the health command known: its first run goes alongside the first look', () => {
    const known = { ...own, checkCommand: 'wget -q -O /dev/null http://127.0.0.1/up || exit 1' }

    test.each(SHELLS.map((shell) => [shell.join(' '), shell] as const))(
      '%s: ready at its start: healthy after one exec, no events followed',
      (_, shell) => {
        const home = homeWith('CMD\n/never\n', 'exit 0')
        const run = waitWith(health.waitHealthy(config, web, 'c', known), 'running starting 0', undefined, {
          home,
          shell,
        })
        expect([run.code, run.stdout, run.stderr]).toEqual([0, 'by=check\nhealthy\n', ''])
        // By name: the look that finds the id runs at the same time.
        expect(execs(run)).toEqual([['exec', 'c', '/bin/sh', '-c', known.checkCommand]])
        expect(run.calls.filter((c) => c[0] === 'events' || c[2]?.includes('Healthcheck.Test'))).toEqual([])
        noExecLeft(run)
      },
    )

    test('not ready at its start: the checks go on while the events are followed', () => {
      const home = homeWith('CMD\n/never\n', `${COUNT}; [ "$n" -ge 2 ]`)
      const run = waitWith(health.waitHealthy(config, web, 'c', known), 'running starting 0', undefined, { home })
      expect([run.code, run.stdout]).toEqual([0, 'by=check\nhealthy\n'])
      expect(execs(run).map((c) => c[1])).toEqual(['c', 'c0ffee'])
      expect(run.calls.some((c) => c[0] === 'events')).toBe(true)
      noExecLeft(run)
    })

    test('a passing command does not hide what the first look saw: a restart, or Docker saying unhealthy', () => {
      for (const [state, status] of [
        ['running starting 1', 'restarting'],
        ['running unhealthy 0', 'unhealthy'],
        ['exited starting 0', 'exited'],
      ] as const) {
        const run = waitWith(health.waitHealthy(config, web, 'c', known), state, undefined, {
          home: homeWith('CMD\n/never\n', 'exit 0'),
        })
        expect([run.code, run.stdout]).toEqual([1, `${status}\n`])
        noExecLeft(run)
      }
    })
  })

  test('a CMD test runs as its argv; Docker healthy first still ends the wait as healthy', () => {
    const home = homeWith('CMD\n/bin/check\n--url\nhttp://x/up\n', 'exit 1')
    const run = waitWith(
      health.waitHealthy(config, web, 'c', own),
      'running starting 0',
      `[ $n = 1 ] && later 0.3 healthy`,
      { home },
    )
    expect([run.code, run.stdout]).toEqual([0, 'healthy\n'])
    expect(execs(run)[0]).toEqual(['exec', 'c0ffee', '/bin/check', '--url', 'http://x/up'])
    noExecLeft(run)
  })

  test('only while Docker says starting: not for a container without a health check, nor without checkEvery', () => {
    const noCheck = waitWith(
      health.waitHealthy(config, web, 'c', { ...own, readinessDelay: 0.2 }),
      'running - 0',
      undefined,
      {
        home: homeWith(SHELL_TEST, 'exit 0'),
      },
    )
    expect([noCheck.code, noCheck.stdout, execs(noCheck).length]).toEqual([0, 'running\n', 0])
    const dockerOnly = waitWith(
      health.waitHealthy(config, web, 'c'),
      'running starting 0',
      `[ $n = 1 ] && later 0.3 healthy`,
      { home: homeWith(SHELL_TEST, 'exit 0') },
    )
    expect([dockerOnly.code, dockerOnly.stdout, execs(dockerOnly).length]).toEqual([0, 'healthy\n', 0])
  })

  test('a die while checking: looks again, and the check stops with the subscription', () => {
    const run = waitWith(
      health.waitHealthy(config, web, 'c', own),
      'running starting 0',
      `[ $n = 1 ] && later 0.2 'become "exited unhealthy 0"; emit die'`,
      { home: homeWith(SHELL_TEST, 'exit 1') },
    )
    expect([run.code, run.stdout]).toEqual([1, 'exited\n'])
    noExecLeft(run)
  })

  test.each(SHELLS.map((shell) => [shell.join(' '), shell] as const))(
    '%s: a TERM kills the check and the health command it runs',
    (_, shell) => {
      const [, , text, ...rest] = argv(health.waitHealthy(config, web, 'c', own))
      const cancel = script(
        '"$@" & p=$!; while [ ! -s exec.pids ]; do sleep 0.01; done; kill -TERM "$p"; wait "$p"; echo "rc=$?"',
        ...shell,
        '-c',
        text!,
        ...rest,
      )
      // The health command hangs: it must not outlive the wait.
      const run = waitWith(cancel, 'running starting 0', undefined, { home: homeWith(SHELL_TEST, 'exec sleep 30') })
      expect(run.stdout).toBe('rc=143\n')
      noExecLeft(run)
    },
  )
})

describe('after the cord is cut', () => {
  const UNHEALTHY_EVENTS = [
    '--filter',
    'container=c0ffee',
    '--filter',
    'event=health_status',
    '--filter',
    'event=die',
    '--format',
    '{{.Action}}',
  ]

  test('waitUnhealthy returns at the unhealthy event, not on other health events', () => {
    const run = waitWith(
      health.waitUnhealthy('c'),
      'running healthy 0',
      `[ $n = 1 ] && later 0.1 'emit "health_status: healthy"; sleep 0.2; unhealthy'`,
    )
    expect([run.code, run.stdout, inspects(run)]).toEqual([0, 'unhealthy\n', 1])
    expect(subscriptions(run)[0]!.slice(5)).toEqual(UNHEALTHY_EVENTS)
    expect(run.ms).toBeGreaterThanOrEqual(300)
  })

  test('waitUnhealthy: at once when already unhealthy or gone; after a die, what the container is then', () => {
    for (const [state, status] of [
      ['running unhealthy 0', 'unhealthy'],
      ['exited - 0', 'exited'],
      [undefined, 'missing'],
    ] as const) {
      const run = waitWith(health.waitUnhealthy('c'), state)
      expect([run.code, run.stdout, subscriptions(run).length]).toEqual([0, `${status}\n`, 0])
    }
    const died = waitWith(
      health.waitUnhealthy('c'),
      'running - 0',
      `[ $n = 1 ] && later 0.1 'become "exited - 0"; emit die'`,
    )
    expect([died.code, died.stdout, inspects(died)]).toEqual([0, 'exited\n', 2])
    const stuck = waitWith(health.waitUnhealthy('c', { timeoutSeconds: 0.4 }), 'running healthy 0')
    expect([stuck.code, stuck.stdout, inspects(stuck)]).toEqual([2, 'healthy\n', 2])
    expect(stuck.ms).toBeGreaterThanOrEqual(400)
  })

  test('failureReport: last log lines, then the health JSON as the last line', () => {
    const command = health.failureReport(config, web, 'app-web-999')
    expect(argv(command).slice(3)).toEqual(['sh', 'app-web-999', '50'])
    const run = runWithFakeDocker(
      command,
      'case $1 in logs) echo "boom"; echo "stack" >&2 ;; inspect) echo \'{"Status":"unhealthy","FailingStreak":3,"Log":[]}\' ;; esac',
    )
    expect(run.stdout).toBe('boom\nstack\n{"Status":"unhealthy","FailingStreak":3,"Log":[]}\n')
    expect(run.calls[0]).toEqual(['logs', '--tail', '50', 'app-web-999'])
  })
})

describe('cord', () => {
  test('tieCord makes the dir and the cord file', () => {
    expect(render(tieCord('.kamal/cords/app-web-abc'), { redact: true })).toBe(
      'mkdir -p .kamal/cords/app-web-abc && touch .kamal/cords/app-web-abc/cord',
    )
  })

  test('cutCord removes the host dir mounted at the cord path, found through docker inspect', () => {
    const mounts = (dir: string) => `printf '%s %s\\n' /data /data '${dir}' /tmp/kamal-cord`
    const tie = runWithFakeDocker(tieCord('cords/app-web-abc'), 'exit 0')
    const cut = runWithFakeDocker(cutCord('app-web-1', '/tmp/kamal-cord'), mounts(`${tie.home}/cords/app-web-abc`), {
      home: tie.home,
    })
    expect([cut.code, cut.stdout]).toEqual([0, `${tie.home}/cords/app-web-abc\n`])
    expect(cut.calls[0]).toEqual([
      'inspect',
      '-f',
      '{{ range .Mounts }}{{printf "%s %s\\n" .Source .Destination}}{{ end }}',
      'app-web-1',
    ])
    const again = runWithFakeDocker(cutCord('app-web-1', '/tmp/kamal-cord'), "printf '/data /data\\n'", {
      home: tie.home,
    })
    expect([again.code, again.stdout]).toEqual([0, ''])
  })
})
