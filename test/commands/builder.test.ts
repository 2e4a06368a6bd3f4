import { describe, expect, test } from 'vitest'
import * as builder from '../../lib/commands/builder.ts'
import type { BuildEngine } from '../../lib/commands/builder.ts'
import { BuildError } from '../../lib/errors.ts'
import { argv, render } from '../../lib/shell/command.ts'
import { makeConfig } from '../build/support.ts'

const BUILDX: BuildEngine = { kind: 'buildx' }
const LEGACY: BuildEngine = { kind: 'legacy', docker: 'docker' }
const BUILDKIT: BuildEngine = { kind: 'buildkit', docker: '/usr/bin/docker' }
const TAGS = ['-t', 'registry.example.com/dhh/app:123', '-t', 'registry.example.com/dhh/app:latest']

const build = (config = makeConfig(), engine: BuildEngine = BUILDX, context = '.') =>
  argv(builder.build(config, builder.targetOf(config.builder), { version: '123', engine, context }))

describe('builder.targetOf', () => {
  test.each([
    [{}, { kind: 'multiarch', localArch: undefined }],
    [{ local: { arch: 'arm64' } }, { kind: 'multiarch', localArch: 'arm64' }],
    [{ multiarch: false }, { kind: 'native' }],
    [{ multiarch: false, cache: { type: 'gha' } }, { kind: 'native-cached' }],
    // multiarch: false wins over remote, as Kamal's target case order.
    [{ multiarch: false, remote: { arch: 'amd64', host: 'ssh://app@1.1.1.5' } }, { kind: 'native' }],
    [
      { remote: { arch: 'amd64', host: 'ssh://app@1.1.1.5:2122' } },
      { kind: 'native-remote', remote: { arch: 'amd64', host: 'ssh://app@1.1.1.5:2122' } },
    ],
    [
      {
        local: { arch: 'arm64', host: 'unix:///Users/me/.docker/run/docker.sock' },
        remote: { arch: 'amd64', host: 'ssh://app@1.1.1.5' },
      },
      {
        kind: 'multiarch-remote',
        local: { arch: 'arm64', host: 'unix:///Users/me/.docker/run/docker.sock' },
        remote: { arch: 'amd64', host: 'ssh://app@1.1.1.5' },
      },
    ],
  ])('builder %j → %j', (yml, target) => {
    expect(builder.targetOf(makeConfig({ builder: yml }).builder)).toEqual(target)
  })
})

describe('builder.build with buildx', () => {
  test('multiarch (the default) pushes both platforms through its own builder', () => {
    expect(build()).toEqual([
      'docker',
      'buildx',
      'build',
      '--push',
      '--platform',
      'linux/amd64,linux/arm64',
      '--builder',
      'slipway-app-multiarch',
      ...TAGS,
      '--label',
      'service=app',
      '--file',
      'Dockerfile',
      '.',
    ])
  })

  test('multiarch with a local arch builds only that platform', () => {
    expect(build(makeConfig({ builder: { local: { arch: 'arm64' } } })).slice(0, 8)).toEqual([
      'docker',
      'buildx',
      'build',
      '--push',
      '--platform',
      'linux/arm64',
      '--builder',
      'slipway-app-multiarch',
    ])
  })

  test('native-remote and multiarch-remote', () => {
    expect(
      build(makeConfig({ builder: { remote: { arch: 'amd64', host: 'ssh://app@1.1.1.5:2122' } } })).slice(0, 8),
    ).toEqual([
      'docker',
      'buildx',
      'build',
      '--push',
      '--platform',
      'linux/amd64',
      '--builder',
      'slipway-app-native-remote',
    ])
    const both = makeConfig({
      builder: { local: { arch: 'arm64' }, remote: { arch: 'amd64', host: 'ssh://app@1.1.1.5' } },
    })
    expect(build(both).slice(0, 8)).toEqual([
      'docker',
      'buildx',
      'build',
      '--push',
      '--platform',
      'linux/arm64,linux/amd64',
      '--builder',
      'slipway-app-multiarch-remote',
    ])
  })

  test('native is plain docker build even with buildx (push is a separate step)', () => {
    expect(build(makeConfig({ builder: { multiarch: false } }))).toEqual([
      'docker',
      'build',
      ...TAGS,
      '--label',
      'service=app',
      '--file',
      'Dockerfile',
      '.',
    ])
  })

  test('every option in Kamal order: tags, cache, label, args, secrets, file, target, ssh, context', () => {
    const config = makeConfig(
      {
        builder: {
          multiarch: false,
          cache: { type: 'registry', options: 'mode=max' },
          args: { RUBY_VERSION: '3.3', NOTE: "it's $HOME" },
          secrets: ['GITHUB_TOKEN', 'NPM_TOKEN'],
          dockerfile: 'docker/Dockerfile.prod',
          target: 'prod',
          ssh: 'default=/run/ssh-agent.sock',
          context: 'web',
        },
      },
      { destination: 'staging' },
    )
    expect(build(config, BUILDX, 'web')).toEqual([
      'docker',
      'buildx',
      'build',
      '--push',
      '-t',
      'registry.example.com/dhh/app:123',
      '-t',
      'registry.example.com/dhh/app:latest-staging',
      '--cache-to',
      'type=registry,mode=max,ref=registry.example.com/dhh/app-build-cache',
      '--cache-from',
      'type=registry,ref=registry.example.com/dhh/app-build-cache',
      '--label',
      'service=app',
      '--build-arg',
      'RUBY_VERSION=3.3',
      '--build-arg',
      "NOTE=it's $HOME",
      '--secret',
      'id=GITHUB_TOKEN',
      '--secret',
      'id=NPM_TOKEN',
      '--file',
      'docker/Dockerfile.prod',
      '--target',
      'prod',
      '--ssh',
      'default=/run/ssh-agent.sock',
      'web',
    ])
  })

  test('a blank build arg passes its bare name, as Kamal does: docker takes the value from its environment', () => {
    const config = makeConfig({ builder: { args: { KAMAL_VERSION: null, EMPTY: '', SET: 'x' } } })
    const argv = build(config).map(String)
    expect(argv.slice(argv.indexOf('--build-arg'), argv.lastIndexOf('--build-arg') + 2)).toEqual([
      '--build-arg',
      'KAMAL_VERSION',
      '--build-arg',
      'EMPTY',
      '--build-arg',
      'SET=x',
    ])
  })

  test('gha cache with and without options', () => {
    const withOptions = makeConfig({ builder: { cache: { type: 'gha', options: 'mode=max' } } })
    expect(build(withOptions)).toEqual(
      expect.arrayContaining(['--cache-to', 'type=gha,mode=max', '--cache-from', 'type=gha']),
    )
    const cacheArgs = build(makeConfig({ builder: { cache: { type: 'gha' } } }))
    expect(cacheArgs.slice(cacheArgs.indexOf('--cache-to'), cacheArgs.indexOf('--cache-to') + 4)).toEqual([
      '--cache-to',
      'type=gha',
      '--cache-from',
      'type=gha',
    ])
  })
})

describe('builder.build without buildx', () => {
  test('legacy builder: DOCKER_BUILDKIT=0 docker build, no cache/secret/ssh flags', () => {
    const config = makeConfig({ builder: { cache: { type: 'gha' }, args: { A: '1' } } })
    expect(build(config, LEGACY)).toEqual([
      'env',
      'DOCKER_BUILDKIT=0',
      'docker',
      'build',
      ...TAGS,
      '--label',
      'service=app',
      '--build-arg',
      'A=1',
      '--file',
      'Dockerfile',
      '.',
    ])
  })

  test("a client with built-in BuildKit keeps secrets and ssh (values stay in the client's env)", () => {
    const config = makeConfig({ builder: { multiarch: false, secrets: ['GITHUB_TOKEN'], ssh: 'default' } })
    expect(build(config, BUILDKIT)).toEqual([
      'env',
      'DOCKER_BUILDKIT=1',
      '/usr/bin/docker',
      'build',
      ...TAGS,
      '--label',
      'service=app',
      '--secret',
      'id=GITHUB_TOKEN',
      '--file',
      'Dockerfile',
      '--ssh',
      'default',
      '.',
    ])
  })

  test('remote builders and legacy secrets are refused with a message, not a broken command', () => {
    const remote = makeConfig({ builder: { remote: { arch: 'amd64', host: 'ssh://app@1.1.1.5' } } })
    expect(() => build(remote, BUILDKIT)).toThrow(BuildError)
    expect(() => build(remote, BUILDKIT)).toThrow('builder.remote needs docker buildx')
    const secrets = makeConfig({ builder: { secrets: ['GITHUB_TOKEN'] } })
    expect(() => build(secrets, LEGACY)).toThrow('builder.secrets and builder.ssh need BuildKit')
    expect(builder.unsupported(secrets, builder.targetOf(secrets.builder), BUILDKIT)).toBeUndefined()
  })
})

describe('builder.push and pushesDuringBuild', () => {
  test('pushes the version and the latest tag', () => {
    expect(render(builder.push(makeConfig(), '123'), { redact: true })).toBe(
      'sh push-tags.sh registry.example.com/dhh/app:123 registry.example.com/dhh/app:latest',
    )
    expect(render(builder.push(makeConfig({}, { destination: 'staging' }), '123'), { redact: true })).toContain(
      'app:latest-staging',
    )
  })

  test('only buildx targets other than native push while building', () => {
    const multiarch = builder.targetOf(makeConfig().builder)
    expect(builder.pushesDuringBuild(multiarch, BUILDX)).toBe(true)
    expect(builder.pushesDuringBuild(multiarch, LEGACY)).toBe(false)
    expect(builder.pushesDuringBuild({ kind: 'native' }, BUILDX)).toBe(false)
  })
})

describe('builder.create / remove', () => {
  // Kamal's fixture deploy_with_remote_builder_and_custom_ports.yml.
  const remote = makeConfig({
    ssh: { user: 'root', port: 22 },
    builder: { remote: { arch: 'amd64', host: 'ssh://app@1.1.1.5:2122' } },
  })

  test('native-remote: a context on the URI as written, then a buildx builder on it', () => {
    expect(builder.create(remote, builder.targetOf(remote.builder)).map((c) => render(c, { redact: true }))).toEqual([
      "docker context create slipway-app-native-remote-amd64 --description 'slipway-app-native-remote amd64 native host' --docker host=ssh://app@1.1.1.5:2122",
      'docker buildx create --name slipway-app-native-remote slipway-app-native-remote-amd64 --platform linux/amd64',
    ])
    expect(builder.remove(remote, builder.targetOf(remote.builder)).map(argv)).toEqual([
      ['docker', 'context', 'rm', 'slipway-app-native-remote-amd64'],
      ['docker', 'buildx', 'rm', 'slipway-app-native-remote'],
    ])
  })

  test('multiarch-remote: two contexts, a local builder, the remote appended', () => {
    const config = makeConfig({
      builder: {
        local: { arch: 'arm64', host: 'unix:///var/run/docker.sock' },
        remote: { arch: 'amd64', host: 'ssh://app@1.1.1.5' },
      },
    })
    expect(builder.create(config, builder.targetOf(config.builder)).map(argv)).toEqual([
      [
        'docker',
        'context',
        'create',
        'slipway-app-multiarch-remote-arm64',
        '--description',
        'slipway-app-multiarch-remote arm64 native host',
        '--docker',
        'host=unix:///var/run/docker.sock',
      ],
      [
        'docker',
        'context',
        'create',
        'slipway-app-multiarch-remote-amd64',
        '--description',
        'slipway-app-multiarch-remote amd64 native host',
        '--docker',
        'host=ssh://app@1.1.1.5',
      ],
      [
        'docker',
        'buildx',
        'create',
        '--platform',
        'linux/arm64',
        '--name',
        'slipway-app-multiarch-remote',
        'slipway-app-multiarch-remote-arm64',
      ],
      [
        'docker',
        'buildx',
        'create',
        '--platform',
        'linux/amd64',
        '--append',
        '--name',
        'slipway-app-multiarch-remote',
        'slipway-app-multiarch-remote-amd64',
      ],
    ])
  })

  test('multiarch, native-cached and native', () => {
    expect(builder.create(makeConfig(), { kind: 'multiarch', localArch: undefined }).map(argv)).toEqual([
      ['docker', 'buildx', 'create', '--use', '--name', 'slipway-app-multiarch'],
    ])
    expect(builder.create(makeConfig(), { kind: 'native-cached' }).map(argv)).toEqual([
      ['docker', 'buildx', 'create', '--name', 'slipway-app-native-cached', '--use', '--driver=docker-container'],
    ])
    expect(builder.create(makeConfig(), { kind: 'native' })).toEqual([])
    expect(builder.remove(makeConfig(), { kind: 'native' })).toEqual([])
  })

  test('inspection commands', () => {
    expect(argv(builder.inspectBuilder('slipway-app-multiarch'))).toEqual([
      'docker',
      'buildx',
      'inspect',
      'slipway-app-multiarch',
    ])
    expect(argv(builder.contextHost('c'))).toEqual([
      'docker',
      'context',
      'inspect',
      'c',
      '--format',
      '{{.Endpoints.docker.Host}}',
    ])
    expect(argv(builder.buildxVersion())).toEqual(['docker', 'buildx', 'version'])
    expect(argv(builder.clientVersion('/usr/bin/docker'))).toEqual(['/usr/bin/docker', '--version'])
  })
})

describe('builder.preconnect', () => {
  test('accepts the host key with the URI user and port, as docker ssh transport will read it', () => {
    expect(argv(builder.preconnect({ host: '1.1.1.5', user: 'app', port: 2122 }))).toEqual([
      'ssh',
      '-o',
      'BatchMode=yes',
      '-o',
      'StrictHostKeyChecking=accept-new',
      '-p',
      '2122',
      'app@1.1.1.5',
      'true',
    ])
  })
})
