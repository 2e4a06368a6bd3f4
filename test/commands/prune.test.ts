import { describe, expect, test } from 'vitest'
import * as prune from '../../lib/commands/prune.ts'
import { argv, render } from '../../lib/shell/command.ts'
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
      prune.all(config, { retain: 0 }),
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

test('all: containers first, then images, in one command', () => {
  const text = render(prune.all(config), { redact: true })
  expect(text).toMatch(/^sh prune-containers\.sh app '' 5 && sh prune-images\.sh app dhh\/app:latest dhh\/app$/)
})
