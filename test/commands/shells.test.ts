import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { basename, join } from 'node:path'
import { describe, expect, test } from 'vitest'
import * as accessory from '../../lib/commands/accessory.ts'
import * as app from '../../lib/commands/app.ts'
import * as assets from '../../lib/commands/assets.ts'
import * as audit from '../../lib/commands/audit.ts'
import * as builder from '../../lib/commands/builder.ts'
import * as caddy from '../../lib/commands/caddy.ts'
import * as caddyAdmin from '../../lib/commands/caddy-admin.ts'
import * as cord from '../../lib/commands/cord.ts'
import * as gitCommands from '../../lib/commands/git.ts'
import * as health from '../../lib/commands/health.ts'
import { logs } from '../../lib/commands/logs.ts'
import * as prune from '../../lib/commands/prune.ts'
import * as registry from '../../lib/commands/registry.ts'
import * as service from '../../lib/commands/service.ts'
import * as traefik from '../../lib/commands/traefik.ts'
import * as versions from '../../lib/commands/versions.ts'
import { cutover } from '../../lib/proxy/caddy-cutover.ts'
import { cmd, type Command } from '../../lib/shell/command.ts'
import { runWithFakeDocker, SHELLS, type FakeOptions, type FakeRun } from './fake-docker.ts'
import { accessory as anAccessory, makeConfig, noEnv, web } from './fixture.ts'
import { programFiles } from './programs.ts'

// Every remote program, run by each POSIX shell a server may have as `sh` (dash, bash, busybox ash)
// against a fake docker: one scenario per program, so a new program without one fails here. The
// programs' other paths are proven under dash in their builders' tests.

const config = makeConfig()
const caddyConfig = makeConfig({ proxy: { ...config.proxy, kind: 'caddy', image: 'caddy:2.6' } })
const CURRENT = `[ "$1" = logs ] && { echo "a log line"; exit 0; }; case "$1 $2" in "ps --latest") case "$*" in *--quiet*) echo 111 ;; *) echo app-web-v1 ;; esac ;; "ps --format"|"ps --filter"|"ps --all") printf 'app-web-v2\\napp-web-v1\\n' ;; esac`

interface Scenario {
  readonly command: Command
  readonly docker: string
  readonly options?: FakeOptions
  readonly check: (run: FakeRun) => void
}

const scenarios: Record<string, () => Scenario> = {
  'health-wait.sh': () => ({
    command: health.waitHealthy(config, web, 'app-web-v2'),
    docker: 'echo "c0ffee running healthy 0"',
    check: (run) => expect([run.code, run.stdout]).toEqual([0, 'healthy\n']),
  }),
  'health-wait-unhealthy.sh': () => ({
    command: health.waitUnhealthy('app-web-v1'),
    docker: 'echo "c0ffee exited - 0"',
    check: (run) => expect([run.code, run.stdout]).toEqual([0, 'exited\n']),
  }),
  'health-report.sh': () => ({
    command: health.failureReport(config, web, 'app-web-v2'),
    docker: 'case $1 in logs) echo boom ;; inspect) echo null ;; esac',
    check: (run) => expect([run.code, run.stdout]).toEqual([0, 'boom\nnull\n']),
  }),
  'assets-prepare.sh': () => {
    // The image's assets at /a; the current container app-web-v1 has its own extracted assets and volume.
    const image = mkdtempSync(join(tmpdir(), 'slipway-image-'))
    mkdirSync(join(image, 'sub'))
    writeFileSync(join(image, 'sub/new.css'), 'new')
    writeFileSync(join(image, '.hidden'), 'h')
    const home = mkdtempSync(join(tmpdir(), 'slipway-assets-'))
    for (const dir of ['extracted', 'volumes']) {
      mkdirSync(join(home, `.kamal/assets/${dir}/app-web-v1`), { recursive: true })
      writeFileSync(join(home, `.kamal/assets/${dir}/app-web-v1/old.css`), 'old')
    }
    return {
      command: assets.prepareAssets(config, { ...web, assetPath: '/a' }, 'v2'),
      docker: `case $1 in cp) cp -R "$IMAGE/." "$4" ;; ps) echo app-web-v1 ;; esac`,
      options: { home, env: { IMAGE: image } },
      check: (run) => {
        expect([run.code, run.stdout]).toEqual([0, `home=${home}\ncurrent=app-web-v1\n`])
        const volumes = join(home, '.kamal/assets/volumes')
        for (const file of [
          'app-web-v2/old.css',
          'app-web-v2/sub/new.css',
          'app-web-v2/.hidden',
          'app-web-v1/sub/new.css',
        ])
          expect(existsSync(join(volumes, file)), file).toBe(true)
      },
    }
  },
  'boot-prepare.sh': () => ({
    command: app.bootPrepare(config, web, { version: 'v2', renameSuffix: 'ab', cordDir: 'cords/x' }),
    docker: `[ "$1 $2" = "container ls" ] && { printf 'app-web-v1 running\\napp-web-v0 exited\\n'; exit 0; }\n${CURRENT}`,
    options: { stdin: 'SECRET=1\n' },
    check: (run) => {
      expect(run.stdout).toBe(`home=${run.home}\nrunning=app-web-v1\ncurrent=app-web-v1\ncurrent_version=v1\n`)
      expect(statSync(join(run.home, '.kamal/env/roles/app-web.env')).mode & 0o777).toBe(0o600)
      expect(existsSync(join(run.home, 'cords/x/cord'))).toBe(true)
    },
  }),
  'current-container.sh': () => ({
    command: versions.currentRunningVersion(config, web),
    docker: CURRENT,
    check: (run) => expect([run.code, run.stdout]).toEqual([0, 'v1\n']),
  }),
  'versions.sh': () => ({
    command: versions.listVersions(config, web),
    docker: CURRENT,
    check: (run) => expect(run.stdout).toBe('v2\nv1\n'),
  }),
  'stale-containers.sh': () => ({
    command: versions.staleContainers(config, web, { stop: true, stopWaitTime: 3 }),
    docker: CURRENT,
    check: (run) => {
      expect(run.stdout).toBe('v2\n')
      expect(run.calls.at(-1)).toEqual(['stop', '-t', '3', 'app-web-v2'])
    },
  }),
  'app-logs.sh': () => ({
    command: logs(config, web, { lines: 5, follow: true }),
    docker: CURRENT,
    check: (run) => {
      expect(run.stdout).toBe('a log line\n')
      expect(run.calls.at(-1)).toEqual(['logs', '--tail', '5', '--follow', '111'])
    },
  }),
  'prune-containers.sh': () => ({
    command: prune.containers(config, { retain: 1 }),
    docker: `[ "$1" = ps ] && printf 'c3 app \\nc2 app \\nc1 app \\nh1 healthcheck-app \\n'; exit 0`,
    check: (run) => expect(run.calls.at(-1)).toEqual(['rm', 'c2', 'c1', 'h1']),
  }),
  'prune-images.sh': () => ({
    command: prune.images(config),
    docker: `case "$1 $2" in "container ls") echo 'dhh/app:v2\\|' ;; "image ls") printf 'i1 dhh/app:v1\\ni2 dhh/app:v2\\ni3 dhh/app:latest\\n' ;; esac`,
    check: (run) => expect(run.calls.at(-1)).toEqual(['rmi', 'dhh/app:v1']),
  }),
  'login-unless-stored.sh': () => {
    const home = mkdtempSync(join(tmpdir(), 'slipway-login-'))
    mkdirSync(join(home, '.docker'))
    const auth = Buffer.from(`user:${config.registry.password.value}`).toString('base64')
    writeFileSync(
      join(home, '.docker/config.json'),
      `{\n\t"auths": {\n\t\t"https://index.docker.io/v1/": {\n\t\t\t"auth": "${auth}"\n\t\t}\n\t}\n}`,
    )
    return {
      command: registry.loginUnlessStored(config),
      docker: 'exit 1',
      options: { home, stdin: registry.storedAuthStdin(config) },
      check: (run) => expect([run.code, run.stdout, run.calls]).toEqual([0, 'login=stored\n', []]),
    }
  },
  'push-tags.sh': () => ({
    command: builder.push(config, 'v2'),
    // The latest tag's push fails: both pushes still ran, and its status is the program's.
    docker: 'case "$2" in *:latest) exit 3 ;; esac',
    check: (run) => {
      expect(run.code).toBe(3)
      expect(run.calls.map((c) => c.join(' ')).sort()).toEqual(['push dhh/app:latest', 'push dhh/app:v2'])
    },
  }),
  'prune-all.sh': () => ({
    command: prune.all(config, { retain: 0, tag: 'v2' }),
    docker: `case "$1 $2" in "ps -a") printf 'c2|running|app||dhh/app:v2|app-web-v2\\nc1|exited|app||dhh/app:v1|app-web-v1\\n' ;; "image ls") printf 'i1 dhh/app:v1\\ni2 dhh/app:v2\\n' ;; esac`,
    check: (run) => {
      expect([run.code, run.stdout]).toEqual([0, 'tagged\n'])
      expect(run.calls.slice(-2)).toEqual([
        ['rm', 'c1'],
        ['rmi', 'dhh/app:v1'],
      ])
    },
  }),
  'traefik-wait.sh': () => ({
    command: traefik.waitForServer(config, web, { container: 'app-web-v2', want: 'present', interval: 0.01 }),
    docker: 'case "$4" in traefik) echo "172.17.0.2 " ;; *) echo "172.17.0.3 " ;; esac',
    options: {
      tools: {
        curl: 'for a; do u=$a; done; case $u in */api/version) ;; *) echo \'[{"url":"http://172.17.0.3:80"}]\' ;; esac',
      },
    },
    check: (run) => expect([run.code, run.stdout]).toEqual([0, 'present\n']),
  }),
  'cord-cut.sh': () => {
    const home = mkdtempSync(join(tmpdir(), 'slipway-cord-'))
    mkdirSync(join(home, 'cords/x'), { recursive: true })
    return {
      command: cord.cutCord('app-web-v1', '/tmp/kamal-cord'),
      docker: `printf '%s %s\\n' /data /data '${home}/cords/x' /tmp/kamal-cord`,
      options: { home },
      check: (run) => expect([run.code, run.stdout]).toEqual([0, `${home}/cords/x\n`]),
    }
  },
  'create-with-cord.sh': () => ({
    command: app.create(config, web, {
      version: 'v2',
      host: 'h',
      hostnameSuffix: 'ab',
      env: noEnv,
      cordHostDir: 'cords/x',
    }),
    docker: 'echo created',
    check: (run) => {
      expect(run.stdout).toBe('created\n')
      expect(run.calls[0]).toContain(`${run.home}/cords/x:/tmp/kamal-cord`)
    },
  }),
  'run-in-dir.sh': () => {
    const home = mkdtempSync(join(tmpdir(), 'slipway-dir-'))
    mkdirSync(join(home, 'proxy'))
    return {
      command: caddy.runIn(caddyConfig, 'proxy'),
      docker: 'exit 0',
      options: { home },
      check: (run) => expect(run.calls[0]).toContain(`${home}/proxy:/etc/slipway`),
    }
  },
  'clone-prepare.sh': () => {
    const root = mkdtempSync(join(tmpdir(), 'slipway-repo-'))
    const git = (...args: string[]) => execFileSync('git', ['-C', root, ...args], { encoding: 'utf8' }).trim()
    git('init', '-q')
    writeFileSync(join(root, 'app.txt'), 'v1\n')
    git('add', '-A')
    git('-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-q', '-m', 'one')
    const cloneDir = mkdtempSync(join(tmpdir(), 'slipway-clone-'))
    const top = join(cloneDir, basename(root))
    return {
      command: gitCommands.clonePrepare('clone', { cloneDir, top, buildDir: top }, root, git('rev-parse', 'HEAD')),
      docker: 'exit 0',
      check: (run) => {
        expect([run.code, run.stdout]).toEqual([0, `head=${git('rev-parse', 'HEAD')}\n`])
        expect(readFileSync(join(top, 'app.txt'), 'utf8')).toBe('v1\n')
      },
    }
  },
  'audit-record.sh': () => ({
    command: audit.record(config, "Booted `x` $HOME 'q'", { recordedAt: 't', performer: 'p', role: 'web' }),
    docker: 'exit 0',
    check: (run) =>
      expect(readFileSync(join(run.home, '.kamal/app-audit.log'), 'utf8')).toBe("[t] [p] [web] Booted `x` $HOME 'q'\n"),
  }),
  'service-files-remove.sh': () => {
    const home = mkdtempSync(join(tmpdir(), 'slipway-files-'))
    for (const dir of [
      '.kamal/env/roles',
      '.kamal/cords/app-web-abc',
      '.kamal/cords/other-web-abc',
      '.kamal/assets/extracted/app-web-v1',
      '.kamal/assets/volumes/app-web-v1',
      '.kamal/assets/volumes/other-web-v1',
      '.kamal/proxy/routes',
    ])
      mkdirSync(join(home, dir), { recursive: true })
    for (const file of [
      '.kamal/env/roles/app-web.env',
      '.kamal/env/roles/other-web.env',
      '.kamal/cords/app-web-abc/cord',
      '.kamal/proxy/routes/0-app-web.json',
      '.kamal/proxy/routes/1-app-web.json',
      '.kamal/proxy/routes/0-app-webhooks.json',
    ])
      writeFileSync(join(home, file), 'x\n')
    return {
      command: service.removeFiles(config),
      docker: 'exit 0',
      options: { home },
      check: () => {
        expect(existsSync(join(home, '.kamal/env/roles/app-web.env'))).toBe(false)
        expect(existsSync(join(home, '.kamal/cords/app-web-abc'))).toBe(false)
        expect(existsSync(join(home, '.kamal/assets/extracted/app-web-v1'))).toBe(false)
        expect(existsSync(join(home, '.kamal/assets/volumes/app-web-v1'))).toBe(false)
        expect(existsSync(join(home, '.kamal/proxy/routes/0-app-web.json'))).toBe(false)
        expect(existsSync(join(home, '.kamal/proxy/routes/1-app-web.json'))).toBe(false)
        // Another service's files are left alone.
        expect(existsSync(join(home, '.kamal/assets/volumes/other-web-v1'))).toBe(true)
        expect(existsSync(join(home, '.kamal/proxy/routes/0-app-webhooks.json'))).toBe(true)
        expect(existsSync(join(home, '.kamal/env/roles/other-web.env'))).toBe(true)
        expect(existsSync(join(home, '.kamal/cords/other-web-abc'))).toBe(true)
      },
    }
  },
  'caddy-apply.sh': () => ({
    command: caddy.apply('proxy', { name: 'app-web', route: { '@id': 'app-web' } }),
    docker: 'exit 0',
    check: (run) => {
      expect(run.stdout).toBe(`${run.home}/proxy\n`)
      expect(readFileSync(join(run.home, 'proxy/caddy.json'), 'utf8')).toContain('"routes":[{"@id":"app-web"},')
    },
  }),
  'caddy-reload.sh': () => ({
    command: caddyAdmin.reload('.', { force: true }),
    docker: 'exit 0',
    check: (run) => expect(run.calls[0]?.slice(0, 4)).toEqual(['exec', 'slipway-proxy', 'caddy', 'reload']),
  }),
  // Pid 999999999 is no process's: busybox ash runs its own nsenter applet before one on PATH, and it
  // must fail as the fake one does.
  'caddy-wait-ready.sh': () => ({
    command: caddyAdmin.waitReady('.'),
    docker: '[ "$1" = inspect ] && echo 999999999; exit 0',
    options: { tools: { nsenter: 'exit 1' } },
    check: (run) => expect([run.code, run.stdout]).toEqual([0, 'ready\nmigrate=unavailable\n']),
  }),
  'caddy-reload-running.sh': () => ({
    command: caddyAdmin.reloadRunning(caddyConfig, '.'),
    docker: '[ "$1" = inspect ] && echo "true 999999999 caddy:2.6 ,slipway,"; exit 0',
    options: { tools: { nsenter: 'exit 1' } },
    check: (run) => expect([run.code, run.stdout]).toEqual([0, 'ready\nmigrate=unavailable\n']),
  }),
  'caddy-cutover.sh': () => ({
    command: cutover(
      'proxy',
      { name: 'app-web', route: { '@id': 'app-web' } },
      {
        old: { name: 'gone', port: 1 },
        stopOld: cmd('docker', 'stop', 'gone'),
      },
    ),
    docker: 'exit 0',
    check: (run) => expect(run.stdout).toBe('switched\ndrain=gone\nstopped=0\n'),
  }),
  'accessory-prepare.sh': () => ({
    command: accessory.bootPrepare(config, anAccessory({ directories: [{ host: 'data', container: '/data' }] })),
    docker: 'echo running',
    options: { stdin: 'A=1\n' },
    check: (run) => {
      expect(run.stdout).toBe(`home=${run.home}\nstate=running\n`)
      expect(existsSync(join(run.home, 'app-mysql/data'))).toBe(true)
    },
  }),
  'accessory-remove.sh': () => ({
    command: accessory.remove(config, anAccessory(), { home: '/nowhere' }),
    docker: 'exit 0',
    check: (run) =>
      expect(run.calls.map((c) => c.slice(0, 2).join(' '))).toEqual(['container stop', 'container prune', 'image rm']),
  }),
}

test('every program has a scenario here', () => {
  expect(Object.keys(scenarios).sort()).toEqual(programFiles())
})

describe.each(SHELLS.map((shell) => [shell.join(' '), shell] as const))('%s', (_, shell) => {
  test.each(Object.keys(scenarios))('%s', (file) => {
    const { command, docker, options = {}, check } = scenarios[file]!()
    expect(command.kind === 'exec' && command.program).toBe(file)
    const run = runWithFakeDocker(command, docker, { ...options, shell })
    expect(run.stderr).toBe('')
    check(run)
  })
})
