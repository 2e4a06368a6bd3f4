import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, test } from 'vitest'
import * as app from '../../lib/commands/app.ts'
import * as registry from '../../lib/commands/registry.ts'
import { andAll } from '../../lib/commands/args.ts'
import { argv, cmd, render, Secret } from '../../lib/shell/command.ts'
import { runWithFakeDocker, SHELLS } from './fake-docker.ts'
import { makeConfig, noEnv, role, staging, web, workers } from './fixture.ts'

const config = makeConfig()
const withSecrets = { clear: { RAILS_ENV: 'production', MSG: 'a b' }, secret: { DB_PASSWORD: new Secret('hunter2') } }
const base = { version: '999', host: '1.1.1.1', hostnameSuffix: '0123456789ab' }

describe('app.run', () => {
  test('a worker: Kamal 1.x docker run with clear env, env file for secrets, default logging and labels, cmd words', () => {
    const command = app.run(config, workers, { ...base, env: withSecrets })
    // prettier-ignore
    expect(argv(command)).toEqual([
      'docker', 'run', '--detach', '--restart', 'unless-stopped', '--name', 'app-workers-999',
      '--hostname', '1.1.1.1-0123456789ab',
      '-e', 'KAMAL_CONTAINER_NAME=app-workers-999', '-e', 'KAMAL_VERSION=999',
      '-e', 'SLIPWAY_CONTAINER_NAME=app-workers-999', '-e', 'SLIPWAY_VERSION=999',
      '--env-file', '.kamal/env/roles/app-workers.env', '--env', 'RAILS_ENV=production', '--env', 'MSG=a b',
      '--log-opt', 'max-size=10m',
      '--label', 'service=app', '--label', 'role=workers', '--label', 'destination',
      'dhh/app:999', 'bin/jobs',
    ])
    expect(render(command, { redact: true })).not.toContain('hunter2')
  })

  test('no secrets → no --env-file', () => {
    expect(argv(app.run(config, workers, { ...base, env: { clear: { A: '1' }, secret: {} } }))).not.toContain(
      '--env-file',
    )
  })

  test('the primary role with a cord: the cord is tied in the same command and checked by the health cmd', () => {
    const command = app.run(staging(), web, {
      ...base,
      env: noEnv,
      cordHostDir: '/root/.kamal/cords/app-web-staging-abc',
      labels: { 'traefik.http.routers.app-web-staging.rule': 'PathPrefix(`/`)' },
      extraArgs: ['--network', 'slipway'],
    })
    expect(render(command, { redact: true })).toBe(
      'mkdir -p /root/.kamal/cords/app-web-staging-abc && touch /root/.kamal/cords/app-web-staging-abc/cord && ' +
        'docker run --detach --restart unless-stopped --name app-web-staging-999 --hostname 1.1.1.1-0123456789ab ' +
        '-e KAMAL_CONTAINER_NAME=app-web-staging-999 -e KAMAL_VERSION=999 -e SLIPWAY_CONTAINER_NAME=app-web-staging-999 -e SLIPWAY_VERSION=999 ' +
        "--health-cmd '(curl -f http://localhost:3000/up || exit 1) && (stat /tmp/kamal-cord/cord > /dev/null || exit 1)' --health-interval 1s " +
        '--volume /root/.kamal/cords/app-web-staging-abc:/tmp/kamal-cord --log-opt max-size=10m ' +
        '--label service=app --label role=web --label destination=staging ' +
        "--label 'traefik.http.routers.app-web-staging.rule=PathPrefix(`/`)' --network slipway dhh/app:999",
    )
  })

  test('without a cord the health cmd is the plain check; network, volumes, asset volume, custom labels and options follow Kamal order', () => {
    const custom = role('web', {
      labels: { 'my.label': 'role', shared: 'role-wins' },
      options: { cpus: 2, init: true, 'add-host': ['db:10.0.0.5'] },
      assetPath: '/rails/public/assets',
      logging: { driver: 'json-file', options: { 'max-file': '3' } },
      cmd: 'bin/jobs --queue "a b"',
    })
    const cfg = makeConfig({ volumes: ['/data:/data'], labels: { shared: 'root', rootonly: 'x' } })
    const command = app.run(cfg, custom, {
      ...base,
      env: noEnv,
      network: 'kamal',
      assetHostDir: '/root/.kamal/assets/volumes/app-web-999',
    })
    // prettier-ignore
    expect(argv(command)).toEqual([
      'docker', 'run', '--detach', '--restart', 'unless-stopped', '--name', 'app-web-999', '--network', 'kamal',
      '--hostname', '1.1.1.1-0123456789ab',
      '-e', 'KAMAL_CONTAINER_NAME=app-web-999', '-e', 'KAMAL_VERSION=999', '-e', 'SLIPWAY_CONTAINER_NAME=app-web-999', '-e', 'SLIPWAY_VERSION=999',
      '--health-cmd', 'curl -f http://localhost:3000/up || exit 1', '--health-interval', '1s',
      '--log-driver', 'json-file', '--log-opt', 'max-file=3',
      '--volume', '/data:/data', '--volume', '/root/.kamal/assets/volumes/app-web-999:/rails/public/assets',
      '--label', 'service=app', '--label', 'role=web', '--label', 'destination',
      '--label', 'shared=role-wins', '--label', 'rootonly=x', '--label', 'my.label=role',
      '--cpus', '2', '--init', '--add-host', 'db:10.0.0.5',
      'dhh/app:999', 'bin/jobs', '--queue', 'a b',
    ])
  })

  test('startInterval (Engine 25+): checks every 0.2 s during a start period of one interval, with the health args only', () => {
    const command = app.run(config, web, { ...base, env: noEnv, startInterval: true })
    const words = argv(command)
    const at = words.indexOf('--health-interval')
    // prettier-ignore
    expect(words.slice(at, at + 6)).toEqual([
      '--health-interval', '1s', '--health-start-period', '1s', '--health-start-interval', '0.2s',
    ])
    // A role without health args keeps the image's own check untouched.
    const plain = argv(app.run(config, workers, { ...base, env: noEnv, startInterval: true }))
    expect(plain.filter((w) => w.startsWith('--health'))).toEqual([])
    expect(argv(app.run(config, web, { ...base, env: noEnv })).filter((w) => w.startsWith('--health-start'))).toEqual(
      [],
    )
  })

  test('cmd: sleep infinity becomes two argv words', () => {
    expect(
      argv(app.run(config, role('workers', { cmd: 'sleep infinity' }), { ...base, env: noEnv })).slice(-3),
    ).toEqual(['dhh/app:999', 'sleep', 'infinity'])
  })
})

describe('app.create', () => {
  const withoutDetach = (args: string[]): string[] =>
    args.filter((a) => a !== '--detach').map((a) => (a === 'run' ? 'create' : a))

  test('a worker: exactly the docker run arguments minus --detach', () => {
    const command = app.create(config, workers, { ...base, env: withSecrets })
    // prettier-ignore
    expect(argv(command)).toEqual([
      'docker', 'create', '--restart', 'unless-stopped', '--name', 'app-workers-999',
      '--hostname', '1.1.1.1-0123456789ab',
      '-e', 'KAMAL_CONTAINER_NAME=app-workers-999', '-e', 'KAMAL_VERSION=999',
      '-e', 'SLIPWAY_CONTAINER_NAME=app-workers-999', '-e', 'SLIPWAY_VERSION=999',
      '--env-file', '.kamal/env/roles/app-workers.env', '--env', 'RAILS_ENV=production', '--env', 'MSG=a b',
      '--log-opt', 'max-size=10m',
      '--label', 'service=app', '--label', 'role=workers', '--label', 'destination',
      'dhh/app:999', 'bin/jobs',
    ])
    expect(render(command, { redact: true })).not.toContain('hunter2')
  })

  test('every option of run (network, health, volumes, labels, proxy args, options, cmd) is in create too', () => {
    const custom = role('web', {
      labels: { 'my.label': 'role' },
      options: { cpus: 2, 'add-host': ['db:10.0.0.5'] },
      assetPath: '/assets',
      cmd: 'bin/jobs --queue "a b"',
    })
    const cfg = makeConfig({ volumes: ['/data:/data'], labels: { rootonly: 'x' } })
    const params = {
      ...base,
      env: withSecrets,
      network: 'kamal',
      assetHostDir: '/root/assets',
      labels: { 'caddy.x': 'y' },
      extraArgs: ['--network', 'slipway'],
    }
    expect(argv(app.create(cfg, custom, params))).toEqual(withoutDetach(argv(app.run(cfg, custom, params))))
  })

  test('an absolute cord dir is tied before the create, as before the run', () => {
    const params = { ...base, env: noEnv, cordHostDir: '/root/.kamal/cords/app-web-abc' }
    expect(render(app.create(config, web, params), { redact: true })).toBe(
      render(app.run(config, web, params), { redact: true }).replace('docker run --detach ', 'docker create '),
    )
    expect(render(app.create(config, web, params), { redact: true })).toMatch(
      /^mkdir -p \/root\/\.kamal\/cords\/app-web-abc && touch \/root\/\.kamal\/cords\/app-web-abc\/cord && docker create /,
    )
  })

  test('no cord for a role without health args or with cord: false', () => {
    const params = { ...base, env: noEnv, cordHostDir: '/root/.kamal/cords/x' }
    expect(argv(app.create(config, workers, params))[1]).toBe('create')
    expect(argv(app.create(config, role('web', { healthcheck: { ...web.healthcheck, cord: false } }), params))[1]).toBe(
      'create',
    )
  })

  // A create sharing bootPrepare's round trip cannot know home: the host resolves the relative cord dir.
  const relative = { ...base, env: noEnv, cordHostDir: '.kamal/cords/app-web-abc' }
  const nasty = makeConfig({ volumes: ["/it's here:/data", '.kamal/cords/app-web-abcd:/x', '$HOME:/h'] })

  /** The `docker create` argv of the same create with the cord dir under `home`: what the host must run. */
  const resolved = (home: string): string[] => {
    const command = app.create(nasty, web, { ...relative, cordHostDir: `${home}/.kamal/cords/app-web-abc` })
    return command.kind === 'and' ? argv(command.commands.at(-1)!) : []
  }

  test('a relative cord dir: create-with-cord.sh with the dir, then the docker create argv, the cord volume still relative', () => {
    const command = app.create(nasty, web, relative)
    const [sh, c, , zero, dir, ...rest] = argv(command)
    expect([sh, c, zero, dir]).toEqual(['sh', '-c', 'sh', '.kamal/cords/app-web-abc'])
    expect(render(command, { redact: true })).toMatch(
      /^sh create-with-cord\.sh \.kamal\/cords\/app-web-abc docker create /,
    )
    expect(rest).toEqual(
      resolved('/H').map((a) => a.replace('/H/.kamal/cords/app-web-abc:', '.kamal/cords/app-web-abc:')),
    )
    expect(rest).toContain('.kamal/cords/app-web-abc:/tmp/kamal-cord')
  })

  test.each(SHELLS.map((shell) => [shell.join(' '), shell] as const))(
    '%s: ties the cord under home, passes its absolute path to docker create and every other argument byte for byte',
    (_, shell) => {
      const run = runWithFakeDocker(app.create(nasty, web, relative), 'echo 0123abcd', { shell })
      expect(run.code, run.stderr).toBe(0)
      expect(run.stdout).toBe('0123abcd\n')
      expect(existsSync(join(run.home, '.kamal/cords/app-web-abc/cord'))).toBe(true)
      expect(run.calls).toEqual([resolved(run.home).slice(1)])
    },
  )

  test('a relative cord dir that cannot be tied: no create', () => {
    const [, , text, ...rest] = argv(app.create(nasty, web, relative))
    const run = runWithFakeDocker(cmd('sh', '-c', `touch .kamal; ${text!}`, ...rest), 'echo created')
    expect(run.code).not.toBe(0)
    expect(run.calls).toEqual([])
  })
})

describe('app lifecycle', () => {
  test('start, stop by name, stop by version, rename', () => {
    expect(argv(app.start(config, web, '999'))).toEqual(['docker', 'start', 'app-web-999'])
    expect(argv(app.stopContainer(config, 'app-web-999'))).toEqual(['docker', 'stop', 'app-web-999'])
    expect(argv(app.stopContainer(makeConfig({ stopWaitTime: 30 }), 'app-web-999'))).toEqual([
      'docker',
      'stop',
      '-t',
      '30',
      'app-web-999',
    ])
    expect(render(app.stop(config, web, { version: '999', stopWaitTime: 5 }), { redact: true })).toBe(
      "docker container ls --all --filter 'name=^app-web-999$' --quiet | xargs -r docker stop -t 5",
    )
  })

  test('tag latest per destination', () => {
    expect(argv(app.tagLatest(config, '999'))).toEqual(['docker', 'tag', 'dhh/app:999', 'dhh/app:latest'])
    expect(argv(app.tagLatest(staging(), '999'))).toEqual(['docker', 'tag', 'dhh/app:999', 'dhh/app:latest-staging'])
  })

  test('pull: pull (no image rm first), then the image must carry the service label', () => {
    expect(render(app.pull(config, '999'), { redact: true })).toBe(
      'docker pull dhh/app:999 && ' +
        `sh -c 'label() { docker inspect -f "{{ .Config.Labels.service }}" "$1"; }; s=$(label "$1" 2>/dev/null) || ` +
        `{ docker pull -q "$1" >/dev/null && s=$(label "$1"); } || exit 1; [ "$s" = "$2" ] || ` +
        `{ echo "Image $1 is missing the '\\''service'\\'' label" >&2; exit 1; }' sh dhh/app:999 app`,
    )
  })

  test('pull of an image this run built (with the service label): the pull alone', () => {
    expect(argv(app.pull(config, '999', { labelled: true }))).toEqual(['docker', 'pull', 'dhh/app:999'])
  })

  test('pull: an image removed between the pull and the check (by another deploy) is pulled again', () => {
    // The fake's image exists once `pull` ran after the last `image rm`; inspect answers its label.
    const docker = `case "$1 $2" in
      "image rm") rm -f "$HOME/img" ;;
      "pull "*) touch "$HOME/img"; [ -f "$HOME/removed-once" ] || { touch "$HOME/removed-once"; rm -f "$HOME/img"; } ;;
      "inspect -f") [ -f "$HOME/img" ] && echo "\${LABEL:-app}" || { echo "Error: No such object: $4" >&2; exit 1; } ;;
    esac`
    const run = runWithFakeDocker(app.pull(config, '999'), docker)
    expect([run.code, run.calls.filter((c) => c[0] === 'pull').length]).toEqual([0, 2])
    const wrong = runWithFakeDocker(app.pull(config, '999'), docker, { env: { LABEL: 'other' } })
    expect([wrong.code, wrong.stderr]).toEqual([1, "Image dhh/app:999 is missing the 'service' label\n"])
  })

  test('login and pull in one round trip (as runLoggedIn sends them); the password is not in the command', () => {
    const cfg = makeConfig({
      registry: { server: 'registry.example:5000', username: 'deployer', password: new Secret('pw-123') },
    })
    const text = render(andAll(registry.login(cfg), app.pull(cfg, '999')), { redact: false })
    expect(text).toMatch(/^docker login registry\.example:5000 -u deployer --password-stdin && docker pull/)
    expect(text).not.toContain('pw-123')
  })

  test('details, containers, images, removal', () => {
    expect(argv(app.details(staging(), web))).toEqual([
      'docker',
      'ps',
      '--filter',
      'label=service=app',
      '--filter',
      'label=destination=staging',
      '--filter',
      'label=role=web',
    ])
    expect(argv(app.containers(config))).toEqual([
      'docker',
      'container',
      'ls',
      '--all',
      '--filter',
      'label=service=app',
    ])
    expect(argv(app.images(config))).toEqual(['docker', 'image', 'ls', 'dhh/app'])
    expect(argv(app.removeContainers(config, web))).toEqual([
      'docker',
      'container',
      'prune',
      '--force',
      '--filter',
      'label=service=app',
      '--filter',
      'label=role=web',
    ])
    expect(render(app.removeContainer(config, web, '999'), { redact: true })).toBe(
      "docker container ls --all --filter 'name=^app-web-999$' --quiet | xargs -r docker container rm",
    )
    expect(argv(app.removeImages(config))).toEqual([
      'docker',
      'image',
      'prune',
      '--all',
      '--force',
      '--filter',
      'label=service=app',
    ])
  })

  test('exec in a new container, and in the running one with reuse', () => {
    const cfg = makeConfig({ volumes: ['/data:/data'] })
    expect(
      argv(
        app.exec(cfg, web, {
          version: '999',
          command: ['ps', 'aux'],
          env: withSecrets,
          extraEnv: { X: '1' },
          interactive: true,
        }),
      ),
    ).toEqual([
      'docker',
      'run',
      '-it',
      '--rm',
      '--env-file',
      '.kamal/env/roles/app-web.env',
      '--env',
      'RAILS_ENV=production',
      '--env',
      'MSG=a b',
      '--env',
      'X=1',
      '--volume',
      '/data:/data',
      'dhh/app:999',
      'ps',
      'aux',
    ])
    expect(argv(app.exec(cfg, web, { version: '999', command: ['ps'], env: noEnv, reuse: true }))).toEqual([
      'docker',
      'exec',
      'app-web-999',
      'ps',
    ])
  })
})
