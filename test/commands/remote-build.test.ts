import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, test } from 'vitest'
import * as remoteBuild from '../../lib/commands/remote-build.ts'
import { argv, render } from '../../lib/shell/command.ts'
import { makeConfig } from '../build/support.ts'

const inputs = { dockerfile: '.dockerfile.0123', secretFile: (name: string) => `/tmp/slipway-build.X/${name}` }
const config = makeConfig({
  builder: {
    remote: { arch: 'amd64', host: 'ssh://app@1.1.1.5:2122' },
    args: { RUBY: '3.3' },
    secrets: ['GITHUB_TOKEN'],
    target: 'prod',
  },
})

describe('remoteBuild.build', () => {
  test("Kamal's options with the context on stdin, secrets from files on the builder", () => {
    expect(
      argv(remoteBuild.build(config, { version: '123', engine: { kind: 'buildkit', docker: 'docker' }, inputs })),
    ).toEqual([
      'env',
      'DOCKER_BUILDKIT=1',
      'docker',
      'build',
      '-t',
      'registry.example.com/dhh/app:123',
      '-t',
      'registry.example.com/dhh/app:latest',
      '--label',
      'service=app',
      '--build-arg',
      'RUBY=3.3',
      '--secret',
      'id=GITHUB_TOKEN,src=/tmp/slipway-build.X/GITHUB_TOKEN',
      '--file',
      '.dockerfile.0123',
      '--target',
      'prod',
      '-',
    ])
  })

  test('a builder with buildx builds through it (no cache flags: its docker driver cannot export)', () => {
    expect(
      argv(remoteBuild.build(makeConfig(), { version: '1', engine: { kind: 'buildx' }, inputs })).slice(0, 4),
    ).toEqual(['env', 'DOCKER_BUILDKIT=1', 'docker', 'build'])
    const legacy = remoteBuild.build(makeConfig(), {
      version: '1',
      engine: { kind: 'legacy', docker: 'docker' },
      inputs,
    })
    expect(argv(legacy).slice(0, 2)).toEqual(['env', 'DOCKER_BUILDKIT=0'])
  })

  test('what cannot run on a remote engine', () => {
    const buildkit = { kind: 'buildkit', docker: 'docker' } as const
    expect(remoteBuild.unsupportedRemotely(config, buildkit, 'app@h:22')).toBeUndefined()
    expect(remoteBuild.unsupportedRemotely(config, { kind: 'legacy', docker: 'docker' }, 'app@h:22')).toBe(
      'builder.secrets need BuildKit, which the docker client on app@h:22 lacks (install docker buildx there, or a docker client with BuildKit built in)',
    )
    expect(remoteBuild.unsupportedRemotely(makeConfig({ builder: { ssh: 'default' } }), buildkit, 'app@h:22')).toMatch(
      /^builder.ssh forwards this machine's ssh agent/,
    )
  })
})

describe('remoteBuild temp dirs and inspection', () => {
  test('exact scripts', () => {
    expect(render(remoteBuild.makeTempDir(), { redact: true })).toBe(
      `sh -c 'umask 077 && mktemp -d "\${TMPDIR:-/tmp}/slipway-build.XXXXXXXX"' sh`,
    )
    expect(argv(remoteBuild.removeTempDir('/tmp/slipway-build.X'))).toEqual(['rm', '-rf', '/tmp/slipway-build.X'])
    expect(argv(remoteBuild.engineVersion('/usr/bin/docker'))).toEqual([
      '/usr/bin/docker',
      'version',
      '--format',
      'client {{.Client.Version}}, engine {{.Server.Version}} ({{.Server.Os}}/{{.Server.Arch}})',
    ])
    expect(argv(remoteBuild.images(makeConfig(), 'docker'))).toEqual([
      'docker',
      'image',
      'ls',
      'registry.example.com/dhh/app',
      '--format',
      '{{.Repository}}:{{.Tag}} {{.ID}} {{.CreatedSince}}',
    ])
  })

  test('leftover temp dirs are removed and counted by a real sh', () => {
    const tmp = mkdtempSync(join(tmpdir(), 'slipway-leftovers-'))
    mkdirSync(join(tmp, 'slipway-build.aaaa'))
    mkdirSync(join(tmp, 'slipway-build.bbbb'))
    mkdirSync(join(tmp, 'other'))
    const [program, ...args] = argv(remoteBuild.removeLeftovers())
    const out = execFileSync(program!, args, { encoding: 'utf8', env: { ...process.env, TMPDIR: tmp } })
    expect(out.trim()).toBe('2')
    expect(existsSync(join(tmp, 'other'))).toBe(true)
    expect(existsSync(join(tmp, 'slipway-build.aaaa'))).toBe(false)
    rmSync(tmp, { recursive: true })
  })
})
