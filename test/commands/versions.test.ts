import { describe, expect, test } from 'vitest'
import * as versions from '../../lib/commands/versions.ts'
import { argv, render } from '../../lib/shell/command.ts'
import { runWithFakeDocker } from './fake-docker.ts'
import { makeConfig, staging, web } from './fixture.ts'

const config = makeConfig()

// A docker whose latest image (dhh/app:latest) is run by app-web-v1 (stopped-then-not-newest), while
// app-web-v2 is the newest running container (e.g. a crash-looping half-deploy).
const DOCKER = `
case "$1 $2" in
  "ps --latest") case "$*" in *ancestor=dhh/app:latest*) name=app-web-v1 id=111 ;; *) name=app-web-v2 id=222 ;; esac
    case "$*" in *--quiet*) echo $id ;; *) echo $name ;; esac ;;
  "ps --format"|"ps --filter"|"ps --all") printf 'app-web-v3\\napp-web-v2\\napp-web-v1\\n' ;;
  "stop -t") ;;
esac`

describe('current container (latest image first, then newest running)', () => {
  test('containerIdFor: exact-name regex, all states unless onlyRunning', () => {
    expect(argv(versions.containerIdFor('app-web-999'))).toEqual([
      'docker',
      'container',
      'ls',
      '--all',
      '--filter',
      'name=^app-web-999$',
      '--quiet',
    ])
    expect(argv(versions.containerIdFor('app-web-999', { onlyRunning: true }))).toEqual([
      'docker',
      'container',
      'ls',
      '--filter',
      'name=^app-web-999$',
      '--quiet',
    ])
  })

  test('currentRunningContainer is current-container.sh, every value a parameter', () => {
    expect(render(versions.currentRunningContainer(staging(), web), { redact: true })).toBe(
      'sh current-container.sh dhh/app:latest-staging app-web-staging id ' +
        '--filter label=service=app --filter label=destination=staging --filter label=role=web',
    )
  })

  test('name, version and stale lookups pass latest image, prefix and filters as parameters', () => {
    const filters = ['--filter', 'label=service=app', '--filter', 'label=role=web']
    expect(argv(versions.currentRunningContainer(config, web)).slice(3)).toEqual([
      'sh',
      'dhh/app:latest',
      'app-web',
      'id',
      ...filters,
    ])
    expect(argv(versions.currentRunningVersion(config, web)).slice(3)).toEqual([
      'sh',
      'dhh/app:latest',
      'app-web',
      'version',
      ...filters,
    ])
    expect(argv(versions.staleContainers(config, web)).slice(3)).toEqual([
      'sh',
      'dhh/app:latest',
      'app-web',
      '',
      '',
      ...filters,
    ])
    expect(argv(versions.staleContainers(config, web, { stop: true, stopWaitTime: 9 })).slice(3)).toEqual([
      'sh',
      'dhh/app:latest',
      'app-web',
      '1',
      '9',
      ...filters,
    ])
  })

  test('prefers the container of the latest image', () => {
    const id = runWithFakeDocker(versions.currentRunningContainer(config, web), DOCKER)
    expect(id.stdout).toBe('111\n')
    // The daemon resolves the latest tag itself: no `docker image ls` for its id first.
    expect(id.calls[0]).toEqual([
      'ps',
      '--latest',
      '--quiet',
      '--filter',
      'label=service=app',
      '--filter',
      'label=role=web',
      '--filter',
      'status=running',
      '--filter',
      'status=restarting',
      '--filter',
      'ancestor=dhh/app:latest',
    ])
    // Found through the latest image: the fallback lookup is never run.
    expect(id.calls).toHaveLength(1)
    expect(runWithFakeDocker(versions.currentRunningVersion(config, web), DOCKER).stdout).toBe('v1\n')
  })

  test('falls back to the newest running container when no latest image exists, or none runs it', () => {
    // The daemon answers an `ancestor=` of a missing tag as one no container runs: nothing, exit 0.
    const idle = DOCKER.replace('*ancestor=dhh/app:latest*) name=app-web-v1 id=111 ;;', '*ancestor=*) exit 0 ;;')
    const run = runWithFakeDocker(versions.currentRunningVersion(config, web), idle)
    expect(run.stdout).toBe('v2\n')
    expect(run.calls.map((c) => c.slice(0, 2).join(' '))).toEqual(['ps --latest', 'ps --latest'])
  })

  test('listVersions strips the prefix', () => {
    const command = versions.listVersions(config, web, { all: true })
    expect(render(command, { redact: true })).toBe(
      'sh versions.sh app-web --all --filter label=service=app --filter label=role=web',
    )
    expect(argv(command).slice(3)).toEqual([
      'sh',
      'app-web',
      '--all',
      '--filter',
      'label=service=app',
      '--filter',
      'label=role=web',
    ])
    expect(runWithFakeDocker(command, DOCKER).stdout).toBe('v3\nv2\nv1\n')
  })

  test('staleContainers lists running versions other than the current one, and stops them with stop', () => {
    expect(runWithFakeDocker(versions.staleContainers(config, web), DOCKER).stdout).toBe('v3\nv2\n')
    const stopped = runWithFakeDocker(versions.staleContainers(config, web, { stop: true, stopWaitTime: 7 }), DOCKER)
    expect(stopped.stdout).toBe('v3\nv2\n')
    expect(stopped.calls.filter((c) => c[0] === 'stop')).toEqual([
      ['stop', '-t', '7', 'app-web-v3'],
      ['stop', '-t', '7', 'app-web-v2'],
    ])
    const noWait = runWithFakeDocker(versions.staleContainers(config, web, { stop: true }), DOCKER)
    expect(noWait.calls.filter((c) => c[0] === 'stop')).toEqual([
      ['stop', 'app-web-v3'],
      ['stop', 'app-web-v2'],
    ])
  })

  test('stopContainers: one docker stop of what the boot retires, nothing when there is none', () => {
    expect(argv(versions.stopContainers(config, ['app-web-v3', 'app-web-v1'], { stopWaitTime: 4 })!)).toEqual([
      'docker',
      'stop',
      '-t',
      '4',
      'app-web-v3',
      'app-web-v1',
    ])
    expect(argv(versions.stopContainers(config, ['app-web-v1'])!)).toEqual(['docker', 'stop', 'app-web-v1'])
    expect(versions.stopContainers(config, [])).toBeUndefined()
  })

  test('stopCurrent pipes the current id into docker stop', () => {
    expect(render(versions.stopCurrent(makeConfig({ stopWaitTime: 3 }), web), { redact: true })).toMatch(
      / \| xargs -r docker stop -t 3$/,
    )
    const run = runWithFakeDocker(versions.stopCurrent(config, web), DOCKER)
    expect(run.calls.at(-1)).toEqual(['stop', '111'])
  })
})
