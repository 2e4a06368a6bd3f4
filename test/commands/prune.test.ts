import { describe, expect, test } from 'vitest'
import * as prune from '../../lib/commands/prune.ts'
import { argv } from '../../lib/shell/command.ts'
import { runWithFakeDocker } from './fake-docker.ts'
import { makeConfig, staging } from './fixture.ts'

const config = makeConfig()

// A docker whose `ps -a` lists stopped containers newest first as "<id> <service> <destination>".
const psLists = (lines: string): string => `case "$1" in ps) printf '${lines}' ;; esac`
const removed = (run: ReturnType<typeof runWithFakeDocker>): string[][] => run.calls.filter((c) => c[0] === 'rm')

describe('prune containers', () => {
  test('passes service, destination and retain as parameters; one docker ps of every stopped container', () => {
    expect(argv(prune.containers(config)).slice(3)).toEqual(['sh', 'app', '', '5'])
    expect(argv(prune.containers(staging(), { retain: 2 })).slice(3)).toEqual(['sh', 'app', 'staging', '2'])
    const run = runWithFakeDocker(prune.containers(config), psLists(''))
    expect(run.calls).toEqual([
      [
        'ps',
        '-a',
        '--filter',
        'status=created',
        '--filter',
        'status=exited',
        '--filter',
        'status=dead',
        '--format',
        '{{.ID}} {{.Label "service"}} {{.Label "destination"}}',
      ],
    ])
    expect(run.code).toBe(0)
  })

  test("keeps the service's newest `retain` stopped containers and removes the rest and every healthcheck leftover, in one docker rm", () => {
    const lines = 'c6 app \\nh1 healthcheck-app \\nc5 app \\no1 other \\nc4 app \\nc3 app \\nx1 app-two \\nc2 app \\n'
    const run = runWithFakeDocker(prune.containers(config, { retain: 2 }), psLists(lines))
    expect(removed(run)).toEqual([['rm', 'h1', 'c4', 'c3', 'c2']])
    expect(run.code).toBe(0)
  })

  test("with a destination only that destination's containers count", () => {
    const lines = 'p3 app production\\ns3 app staging\\np2 app production\\ns2 app staging\\ns1 app staging\\n'
    const run = runWithFakeDocker(prune.containers(staging(), { retain: 1 }), psLists(lines))
    expect(removed(run)).toEqual([['rm', 's2', 's1']])
  })

  test('nothing to remove: no docker rm at all', () => {
    const run = runWithFakeDocker(prune.containers(config, { retain: 3 }), psLists('c2 app \\nc1 app \\n'))
    expect(removed(run)).toEqual([])
    expect(run.code).toBe(0)
  })

  test('a failing docker ps or docker rm fails the script, before anything else runs', () => {
    expect(runWithFakeDocker(prune.containers(config), 'exit 1').code).toBe(1)
    const rmFails = runWithFakeDocker(
      prune.containers(config, { retain: 0 }),
      'case "$1" in ps) echo "c1 app " ;; rm) exit 1 ;; esac',
    )
    expect(rmFails.code).toBe(1)
    expect(rmFails.calls.map((c) => c[0])).toEqual(['ps', 'rm'])
  })
})

describe('prune images', () => {
  // v4 and v3 run (or ran) in containers; latest points at v6's image; i0 is the repo's untagged image.
  const IMAGES = (extra = ''): string => `case "$1 $2" in
    "container ls") printf 'dhh/app:v4\\\\|dhh/app:v3\\\\|\\n' ;;
    "image ls") printf 'i6 dhh/app:v6\\ni5 dhh/app:v5\\ni4 dhh/app:v4\\ni3 dhh/app:v3\\ni6 dhh/app:latest\\ni0 dhh/app:<none>\\n${extra}' ;;
  esac`

  test('passes service, latest image and repository as parameters', () => {
    expect(argv(prune.images(staging())).slice(3)).toEqual(['sh', 'app', 'dhh/app:latest-staging', 'dhh/app'])
  })

  test('removes every tag no container uses, except latest and <repo>:<none>, in one docker rmi', () => {
    const run = runWithFakeDocker(prune.images(config), IMAGES())
    expect(run.code).toBe(0)
    expect(run.calls.filter((c) => c[0] === 'rmi')).toEqual([['rmi', 'dhh/app:v6', 'dhh/app:v5']])
    // The two listings run side by side (either may be logged first); no dangling image listed: no docker image prune.
    const calls = run.calls.map((c) => `${c[0]} ${c[1]}`)
    expect([...calls.slice(0, 2).sort(), ...calls.slice(2)]).toEqual(['container ls', 'image ls', 'rmi dhh/app:v6'])
  })

  test('dangling images go through docker image prune (which spares those in use), never through rmi', () => {
    const run = runWithFakeDocker(prune.images(config), IMAGES('d1 <none>:<none>\\n'))
    expect(run.calls.filter((c) => c[0] === 'rmi')).toEqual([['rmi', 'dhh/app:v6', 'dhh/app:v5']])
    expect(run.calls.at(-1)).toEqual(['image', 'prune', '--force', '--filter', 'label=service=app'])
  })

  test('a failed image listing fails the prune and removes nothing, though it ran beside the container listing', () => {
    const run = runWithFakeDocker(
      prune.images(config),
      IMAGES().replace('"image ls") printf', '"image ls") exit 1; printf'),
    )
    expect(run.code).toBe(1)
    expect(run.calls.filter((c) => c[0] === 'rmi' || c[1] === 'prune')).toEqual([])
  })

  test('nothing unused: no docker rmi', () => {
    const run = runWithFakeDocker(
      prune.images(config),
      `case "$1 $2" in "container ls") printf 'dhh/app:v1\\\\|' ;; "image ls") printf 'i1 dhh/app:v1\\ni1 dhh/app:latest\\n' ;; esac`,
    )
    expect(run.calls.map((c) => `${c[0]} ${c[1]}`).sort()).toEqual(['container ls', 'image ls'])
    expect(run.code).toBe(0)
  })
})

describe('prune all (and the tag before it)', () => {
  // Every container, newest first, as "<id>|<state>|<service>|<destination>|<image>|<name>": v6 runs,
  // v5…v2 are stopped, h1 is a healthcheck leftover, o1 another service's; the images of the service.
  const CONTAINERS = [
    'c6|running|app||dhh/app:v6|app-web-v6',
    'c5|exited|app||dhh/app:v5|app-web-v5',
    'h1|exited|healthcheck-app||dhh/app:v5|healthcheck-app',
    'o1|exited|other||other:v1|other',
    'c4|exited|app||dhh/app:v4|app-web-v4',
    'c3|exited|app||dhh/app:v3|app-web-v3',
    'c2|created|app||dhh/app:v2|app-web-v2',
  ].join('\\n')
  const IMAGES =
    'i6 dhh/app:v6\\ni5 dhh/app:v5\\ni4 dhh/app:v4\\ni3 dhh/app:v3\\ni2 dhh/app:v2\\ni1 dhh/app:v1\\ni5 dhh/app:latest\\n'
  const daemon = (extra = ''): string => `${extra}
    case "$1 $2" in
      "ps -a") printf '${CONTAINERS}\\n' ;;
      "image ls") printf '${IMAGES}' ;;
    esac`
  const calls = (run: ReturnType<typeof runWithFakeDocker>): string[] => run.calls.map((c) => c.join(' '))

  test('passes service, destination, retain, latest, repository and the image to tag as parameters', () => {
    expect(argv(prune.all(staging(), { retain: 2, tag: 'v7' })).slice(3)).toEqual([
      'sh',
      'app',
      'staging',
      '2',
      'dhh/app:latest-staging',
      'dhh/app',
      'dhh/app:v7',
    ])
    expect(argv(prune.all(config)).slice(3)).toEqual(['sh', 'app', '', '5', 'dhh/app:latest', 'dhh/app', ''])
  })

  test('the tag and both listings at once; then one docker rm; then one docker rmi of what the rest do not use', () => {
    const run = runWithFakeDocker(prune.all(config, { retain: 2, tag: 'v6' }), daemon())
    expect([run.code, run.stdout, run.stderr]).toEqual([0, 'tagged\n', ''])
    const [first, second, third, ...rest] = calls(run)
    expect([first, second, third].sort()).toEqual([
      'image ls --filter label=service=app --format {{.ID}} {{.Repository}}:{{.Tag}}',
      'ps -a --format {{.ID}}|{{.State}}|{{.Label "service"}}|{{.Label "destination"}}|{{.Image}}|{{.Names}}',
      'tag dhh/app:v6 dhh/app:latest',
    ])
    // c5 and c4 stay (retain 2, newest first); h1 goes whatever retain says; o1 is not the service's.
    // v3 and v2 lose their only containers, so their images go too; v1 was already unused.
    expect(rest).toEqual(['rm h1 c3 c2', 'rmi dhh/app:v3 dhh/app:v2 dhh/app:v1'])
  })

  test('a container still being stopped counts as the newest stopped one, as after its stop, and stays for the next prune', () => {
    // c6 is the boot's old container, its docker stop still running beside this prune.
    const stopping = runWithFakeDocker(prune.all(config, { retain: 2, tag: 'v7', stopping: ['app-web-v6'] }), daemon())
    expect(calls(stopping).filter((c) => /^(rm|rmi) /.test(c))).toEqual([
      'rm h1 c4 c3 c2',
      'rmi dhh/app:v4 dhh/app:v3 dhh/app:v2 dhh/app:v1',
    ])
    // Run after the stop (c6 exited), the prune keeps the same two: c6 and c5.
    const after = runWithFakeDocker(
      prune.all(config, { retain: 2, tag: 'v7' }),
      daemon().replace('c6|running|', 'c6|exited|'),
    )
    expect(calls(after).filter((c) => c.startsWith('rm '))).toEqual(['rm h1 c4 c3 c2'])
    // Beyond retain, a container being stopped is counted but not removed (it may still be running).
    const beyond = runWithFakeDocker(prune.all(config, { retain: 0, stopping: ['app-web-v6'] }), daemon())
    expect(calls(beyond).filter((c) => c.startsWith('rm '))).toEqual(['rm c5 h1 c4 c3 c2'])
  })

  test('nothing to remove: the tag and the two listings, no more', () => {
    const run = runWithFakeDocker(
      prune.all(config, { tag: 'v2' }),
      `case "$1 $2" in
        "ps -a") printf 'c2|running|app||dhh/app:v2|app-web-v2\\nc1|exited|app||dhh/app:v1|app-web-v1\\n' ;;
        "image ls") printf 'i2 dhh/app:v2\\ni1 dhh/app:v1\\ni2 dhh/app:latest\\n' ;;
      esac`,
    )
    expect([run.code, run.stdout]).toEqual([0, 'tagged\n'])
    expect(
      calls(run)
        .map((c) => c.split(' ')[0])
        .sort(),
    ).toEqual(['image', 'ps', 'tag'])
  })

  test('dangling images go through docker image prune, never through rmi', () => {
    const run = runWithFakeDocker(
      prune.all(config),
      daemon().replace('i5 dhh/app:latest', 'd1 <none>:<none>\\\\ni5 dhh/app:latest'),
    )
    expect(calls(run).filter((c) => c.startsWith('rmi'))).toEqual(['rmi dhh/app:v1'])
    expect(calls(run).at(-1)).toBe('image prune --force --filter label=service=app')
  })

  test('without a version to tag: no docker tag, no tagged line', () => {
    const run = runWithFakeDocker(prune.all(config), daemon())
    expect([run.code, run.stdout]).toEqual([0, ''])
    expect(calls(run).some((c) => c.startsWith('tag '))).toBe(false)
  })

  test('a failed tag removes nothing and says nothing was tagged; a failed listing removes nothing', () => {
    const tagFails = runWithFakeDocker(prune.all(config, { tag: 'v6' }), daemon('[ "$1" = tag ] && exit 1'))
    expect([tagFails.code, tagFails.stdout]).toEqual([1, ''])
    expect(calls(tagFails).filter((c) => /^(rm|rmi) /.test(c))).toEqual([])
    const listFails = runWithFakeDocker(prune.all(config, { tag: 'v6' }), daemon('[ "$1" = ps ] && exit 1'))
    expect([listFails.code, listFails.stdout]).toEqual([1, 'tagged\n'])
    expect(calls(listFails).filter((c) => /^(rm|rmi) /.test(c))).toEqual([])
  })

  test('with a destination only its containers count', () => {
    const lines = [
      'p3|exited|app|production|dhh/app:p3|app-web-production-p3',
      's3|exited|app|staging|dhh/app:s3|app-web-staging-s3',
      's2|exited|app|staging|dhh/app:s2|app-web-staging-s2',
    ].join('\\n')
    const run = runWithFakeDocker(prune.all(staging(), { retain: 1 }), `case "$1" in ps) printf '${lines}\\n' ;; esac`)
    expect(calls(run).filter((c) => c.startsWith('rm '))).toEqual(['rm s2'])
  })
})
