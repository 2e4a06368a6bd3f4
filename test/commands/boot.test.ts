import { existsSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, test } from 'vitest'
import { bootPrepare, parsePrepare } from '../../lib/commands/boot.ts'
import * as app from '../../lib/commands/app.ts'
import { envFileContent } from '../../lib/commands/env-file.ts'
import { argv, Secret } from '../../lib/shell/command.ts'
import { runWithFakeDocker } from './fake-docker.ts'
import { makeConfig, staging, web } from './fixture.ts'

const config = makeConfig()
const env = { clear: {}, secret: { DB_PASSWORD: new Secret('hunter2') } }

// A host where app-web-999 already exists (a redeploy of the same version) and is the current
// container (of the latest image); app-web-888 still runs too, left by a run that lost this host.
const CLASH = `
case "$1 $2" in
  "container ls") printf 'app-web-999 running\\napp-web-888 running\\napp-web-777 exited\\n' ;;
  "rename "*) ;;
  "ps --latest") case "$*" in *ancestor=dhh/app:latest*) echo app-web-999 ;; *) echo app-web-888 ;; esac ;;
esac`

// A fresh host: nothing there.
const FRESH = 'exit 0'

describe('bootPrepare: the one round trip before docker run', () => {
  test('every value is a positional parameter', () => {
    expect(argv(bootPrepare(staging(), web, { version: '999', renameSuffix: '0123456789abcdef' })).slice(3)).toEqual([
      'sh',
      '.kamal',
      '.kamal/env/roles/app-web-staging.env',
      'app-web-staging-999',
      'app-web-staging-999_replaced_0123456789abcdef',
      'dhh/app:latest-staging',
      'app-web-staging',
      '',
      '--filter',
      'label=service=app',
      '--filter',
      'label=destination=staging',
      '--filter',
      'label=role=web',
    ])
  })

  test('a fresh host: env file written with mode 600 from stdin, no rename, no current container', () => {
    const command = bootPrepare(config, web, {
      version: '999',
      renameSuffix: '0123456789abcdef',
      cordDir: '.kamal/cords/app-web-abc',
    })
    const run = runWithFakeDocker(command, FRESH, { stdin: envFileContent(env) })
    expect(run.code).toBe(0)
    expect(run.stdout).toBe(`home=${run.home}\ncurrent=\ncurrent_version=\n`)
    const file = join(run.home, '.kamal/env/roles/app-web.env')
    expect(readFileSync(file, 'utf8')).toBe('DB_PASSWORD=hunter2\n')
    expect(statSync(file).mode & 0o777).toBe(0o600)
    expect(existsSync(join(run.home, '.kamal/cords/app-web-abc/cord'))).toBe(true)
    // Nothing running: the listing is the one docker call.
    expect(run.calls).toEqual([
      [
        'container',
        'ls',
        '--all',
        '--format',
        '{{.Names}} {{.State}}',
        '--filter',
        'label=service=app',
        '--filter',
        'label=role=web',
      ],
    ])
    expect(run.calls.some((c) => c[0] === 'rename')).toBe(false)
    expect(parsePrepare(run.stdout)).toEqual({
      home: run.home,
      renamed: undefined,
      current: undefined,
      currentVersion: undefined,
      running: [],
    })
  })

  test('a same-version container is renamed out of the way and is then the current one', () => {
    const run = runWithFakeDocker(
      bootPrepare(config, web, { version: '999', renameSuffix: '0123456789abcdef' }),
      CLASH,
      { stdin: '\n' },
    )
    expect(run.code).toBe(0)
    expect(run.calls).toContainEqual(['rename', 'app-web-999', 'app-web-999_replaced_0123456789abcdef'])
    expect(parsePrepare(run.stdout)).toEqual({
      home: run.home,
      renamed: 'app-web-999_replaced_0123456789abcdef',
      current: 'app-web-999_replaced_0123456789abcdef',
      currentVersion: '999_replaced_0123456789abcdef',
      running: ['app-web-999_replaced_0123456789abcdef', 'app-web-888'],
    })
    // Two running: the listing, then the query for the latest image's, and no docker call after the rename.
    expect(run.calls.map((c) => c.slice(0, 2).join(' '))).toEqual(['container ls', 'ps --latest', 'rename app-web-999'])
  })

  test('one running container is the current one: the listing is the only docker call', () => {
    const listing = `case "$1 $2" in "container ls") printf 'app-web-998 running\\napp-web-997 exited\\n' ;; *) exit 1 ;; esac`
    const run = runWithFakeDocker(bootPrepare(config, web, { version: '999', renameSuffix: 'ab' }), listing)
    expect(run.code).toBe(0)
    expect(parsePrepare(run.stdout)).toMatchObject({
      current: 'app-web-998',
      currentVersion: '998',
      running: ['app-web-998'],
    })
    expect(run.calls).toHaveLength(1)
  })

  test('no running container of the latest image: the newest running one of the listing is current', () => {
    const listing = `case "$1 $2" in "container ls") printf 'app-web-998 restarting\\napp-web-997 running\\n' ;; esac`
    const run = runWithFakeDocker(bootPrepare(config, web, { version: '999', renameSuffix: 'ab' }), listing)
    expect(parsePrepare(run.stdout)).toMatchObject({
      current: 'app-web-998',
      currentVersion: '998',
      running: ['app-web-998', 'app-web-997'],
    })
    expect(run.calls.filter((c) => c[0] === 'ps')).toHaveLength(1)
  })

  test('a docker that does not answer fails the step instead of reporting "no container"', () => {
    const run = runWithFakeDocker(
      bootPrepare(config, web, { version: '999', renameSuffix: 'ab' }),
      'echo "Cannot connect to the Docker daemon" >&2; exit 1',
    )
    expect(run.code).toBe(1)
    expect(run.stdout).not.toContain('current=')
    expect(() => parsePrepare(run.stdout)).toThrow('unexpected boot prepare output')
  })

  test('is re-exported by app for the boot step', () => {
    expect(app.bootPrepare).toBe(bootPrepare)
    expect(app.parsePrepare).toBe(parsePrepare)
  })
})
