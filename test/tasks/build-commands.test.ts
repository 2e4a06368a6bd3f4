import { Listr } from 'listr2'
import { describe, expect, test } from 'vitest'
import type { DeployContext } from '../../lib/context.ts'
import { recorder } from '../../lib/exec/recorder.ts'
import { builderDetails, createBuilder, removeBuilder } from '../../tasks/steps/build-commands.ts'
import { build } from '../../cli/build.ts'
import { invoke } from '../support/cli.ts'
import { makeConfig, makeContext } from '../build/support.ts'

// `build create|remove|details` against recording executors: this machine with or without buildx,
// and a remote builder reached as app@1.1.1.5:2122 (Kamal's custom ports fixture).

function setup(buildx: boolean) {
  const rec = recorder({
    reply: (line) => {
      if (line === 'localhost: docker buildx version') return { exitCode: buildx ? 0 : 1 }
      if (line.endsWith(': docker buildx version')) return { exitCode: 1 } // the builder has none
      if (line.includes('docker buildx inspect')) return { exitCode: 1 } // not created yet
      if (line.endsWith('--version')) return { stdout: 'Docker version 20.10.24+dfsg1, build 297e128' }
      if (line.includes(' version --format ')) return { stdout: 'client 20.10.24, engine 20.10.24 (linux/amd64)\n' }
      if (line.includes('docker image ls')) return { stdout: 'registry.example.com/dhh/app:v1 0123abcd 2 hours ago\n' }
      if (line.includes('slipway-build.')) return { stdout: '2\n' }
      if (line.includes('docker context ls')) return { stdout: 'NAME  DESCRIPTION\ndefault *\n' }
      return undefined
    },
  })
  const config = makeConfig(
    {
      ssh: { user: 'root', port: 22 },
      builder: { remote: { arch: 'amd64', host: 'ssh://app@1.1.1.5:2122' } },
    },
    { root: '/nonexistent/app' },
  )
  const ctx: DeployContext = { ...makeContext(config, rec.executor('localhost')), remote: rec.executor }
  const run = (task: ReturnType<typeof createBuilder>) =>
    new Listr([task], { ctx, renderer: 'silent', exitOnError: true }).run()
  return { ctx, log: rec.log, run }
}

const DETECT = [
  'localhost: docker buildx version',
  'localhost: docker --version',
  'localhost: /usr/bin/docker --version',
]
const DETECT_BUILDER = DETECT.map((l) => l.replace('localhost', 'app@1.1.1.5:2122'))

describe('build create|remove|details without buildx: on the remote builder', () => {
  test('create connects as the URI user and port, checks the engine, logs it in', async () => {
    const s = setup(false)
    await s.run(createBuilder())
    expect(s.log).toEqual([
      ...DETECT,
      ...DETECT_BUILDER,
      "app@1.1.1.5:2122: docker version --format 'client {{.Client.Version}}, engine {{.Server.Version}} ({{.Server.Os}}/{{.Server.Arch}})'",
      'app@1.1.1.5:2122: docker login registry.example.com -u dhh --password-stdin (stdin)',
    ])
    expect(s.ctx.report.lines).toEqual([
      'Builder ready: the docker engine of app@1.1.1.5:2122 (docker build with built-in BuildKit (no buildx) there; docker buildx is not installed here)',
      'Engine: client 20.10.24, engine 20.10.24 (linux/amd64), logged in to registry.example.com',
    ])
  })

  test('remove logs the builder out and clears leftover temp dirs', async () => {
    const s = setup(false)
    await s.run(removeBuilder())
    expect(s.log.at(-1)).toMatch(
      /^app@1\.1\.1\.5:2122: docker logout registry\.example\.com && sh -c .*slipway-build\./,
    )
    expect(s.ctx.report.lines).toEqual([
      'Logged app@1.1.1.5:2122 out of registry.example.com; removed 2 leftover build temp dirs',
    ])
  })

  test('details: the builder engine, its images of the app, and the last build', async () => {
    const s = setup(false)
    await s.run(builderDetails())
    expect(s.ctx.report.lines).toEqual([
      [
        'Builder: the docker engine of app@1.1.1.5:2122 (docker build with built-in BuildKit (no buildx) there; docker buildx is not installed here)',
        'Engine: client 20.10.24, engine 20.10.24 (linux/amd64)',
        'Images on app@1.1.1.5:2122:',
        '  registry.example.com/dhh/app:v1 0123abcd 2 hours ago',
        'Last build: none recorded on this machine',
      ].join('\n'),
    ])
  })
})

describe('build create|remove|details with buildx: as Kamal', () => {
  test('create pre-connects as the URI user and port, then makes the context and builder', async () => {
    const s = setup(true)
    await s.run(createBuilder())
    expect(s.log.filter((l) => !l.includes('inspect'))).toEqual([
      'localhost: docker buildx version',
      'localhost: docker --version',
      'localhost: /usr/bin/docker --version',
      'localhost: ssh -o BatchMode=yes -o StrictHostKeyChecking=accept-new -p 2122 app@1.1.1.5 true',
      "localhost: docker context create slipway-app-native-remote-amd64 --description 'slipway-app-native-remote amd64 native host' --docker host=ssh://app@1.1.1.5:2122",
      'localhost: docker buildx create --name slipway-app-native-remote slipway-app-native-remote-amd64 --platform linux/amd64',
    ])
  })

  test('remove and details run Kamal commands here; nothing touches the builder directly', async () => {
    const s = setup(true)
    await s.run(removeBuilder())
    await s.run(builderDetails())
    expect(s.log).toEqual([
      'localhost: docker buildx version',
      'localhost: docker --version',
      'localhost: /usr/bin/docker --version',
      'localhost: docker context rm slipway-app-native-remote-amd64',
      'localhost: docker buildx rm slipway-app-native-remote',
      'localhost: docker context ls && docker buildx ls',
    ])
  })
})

test('slipway build: one step per subcommand; a missing or unknown one says what exists', () => {
  const buildSteps = (...argv: string[]) => invoke(build, argv).steps
  expect(buildSteps('details').map((t) => t.title)).toEqual(['Builder details'])
  expect(() => buildSteps()).toThrow(
    'missing subcommand: use one of push, pull, deliver, create, remove, details (see --help)',
  )
  expect(() => buildSteps('ship')).toThrow('unknown subcommand ship: use one of push, pull, deliver, create, remove')
  // deliver is push, then pull under the lock.
  expect(buildSteps('deliver').map((t) => t.title)).toEqual([
    'Check the secrets this run uses are set',
    'Log in to the registry',
    'Run pre-build hook',
    'Build image',
    'Push image',
    'Run post-push hook',
    'Deploy lock',
  ])
})
