import { describe, expect, test } from 'vitest'
import * as prune from '../../lib/commands/prune.ts'
import { argv, render } from '../../lib/shell/command.ts'
import { runWithFakeDocker } from './fake-docker.ts'
import { makeConfig, staging } from './fixture.ts'

const config = makeConfig()

describe('prune', () => {
  test('containers: keep the newest retain_containers stopped ones', () => {
    expect(render(prune.appContainers(config), { redact: true })).toBe(
      'docker ps -q -a --filter label=service=app --filter status=created --filter status=exited --filter status=dead | tail -n +6 | xargs -r docker rm',
    )
    expect(render(prune.appContainers(staging(), { retain: 2 }), { redact: true })).toBe(
      'docker ps -q -a --filter label=service=app --filter label=destination=staging --filter status=created --filter status=exited --filter status=dead | tail -n +3 | xargs -r docker rm',
    )
    const run = runWithFakeDocker(prune.appContainers(config, { retain: 2 }), 'case $1 in ps) printf "c5\\nc4\\nc3\\nc2\\nc1\\n" ;; esac')
    expect(run.calls.filter((c) => c[0] === 'rm')).toEqual([['rm', 'c3', 'c2', 'c1']])
  })

  test('images: dangling, then tagged ones not used by any container nor latest', () => {
    expect(argv(prune.danglingImages(config))).toEqual(['docker', 'image', 'prune', '--force', '--filter', 'label=service=app'])
    expect(argv(prune.healthcheckContainers(config))).toEqual(['docker', 'container', 'prune', '--force', '--filter', 'label=service=healthcheck-app'])
    expect(argv(prune.taggedImages(staging())).slice(4)).toEqual(['app', 'dhh/app:latest-staging', 'dhh/app'])
    const DOCKER = `case "$1 $2" in
      "container ls") printf 'dhh/app:v4\\\\|dhh/app:v3\\\\|\\n' ;;
      "image ls") printf 'i6 dhh/app:v6\\ni5 dhh/app:v5\\ni4 dhh/app:v4\\ni3 dhh/app:v3\\ni6 dhh/app:latest\\ni0 dhh/app:<none>\\n' ;;
    esac`
    const run = runWithFakeDocker(prune.taggedImages(config), DOCKER)
    expect(run.code).toBe(0)
    expect(run.calls.filter((c) => c[0] === 'rmi')).toEqual([['rmi', 'dhh/app:v6'], ['rmi', 'dhh/app:v5']])
  })

  test('all: containers first, then images, in one command', () => {
    const text = render(prune.all(config), { redact: true })
    expect(text.startsWith('docker ps -q -a --filter label=service=app --filter status=created --filter status=exited --filter status=dead | tail -n +6 | xargs -r docker rm && docker container prune --force --filter label=service=healthcheck-app && docker image prune --force --filter label=service=app && sh -c ')).toBe(true)
  })
})
