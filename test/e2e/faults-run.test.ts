import { execFileSync } from 'node:child_process'
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest'
import { appRepo, SLIPWAY } from './support/app-repo.ts'
import {
  allGone,
  containers,
  descendants,
  editConfig,
  launch,
  lockHeld,
  moreVersions,
  served,
  traffic,
  withSsh,
} from './support/faults.ts'
import { escapeValue } from '../../lib/commands/env-file.ts'
import { readSandboxEnv, sshExec, uniqueService } from './support/sandbox.ts'

// Faults of the run rather than of a server: a SIGTERM to the command the user started, a hook that
// hangs, and what is refused before anything changes (a wrong registry password, a wrong ssh key, a
// changed host key). Each ends within a bound derived from the config below, names host and step,
// releases the lock, keeps the old version serving, leaves no new container, and the rerun succeeds.
const sandbox = readSandboxEnv()
const [s1, s2, s3] = sandbox.servers as [string, string, string]
// Short: caddy dials a container by an alias made of its name in docker's DNS, whose labels hold 63 characters.
const app = appRepo({ service: uniqueService('fr') })

const CONNECT = 3
const KEEPALIVE = 1
const HOOK_TIMEOUT = 2
// A hook that ignores SIGTERM gets SIGKILL this much later (lib/exec/local.ts).
const KILL_AFTER = 2
const STOP_WAIT = 2
// Starting node and tsx, git and the pull: the part of a run no fault changes (generous: 2 busy cores).
const OVERHEAD = 30

const tsx = (version: string) => [
  join(SLIPWAY, 'node_modules/.bin/tsx'),
  join(SLIPWAY, 'tasks/deploy.ts'),
  '--skip-push',
  '--version',
  version,
]
const deploy = (version: string, env: Record<string, string> = {}) =>
  launch(tsx(version), { cwd: app.dir, env: { ...app.env, ...env } })
const web = (version: string) => `${app.service}-web-${version} running`
const running = async (host: string) => (await containers(app, host)).filter((c) => c.endsWith(' running'))
const servedNow = async () => {
  const version = await served(sandbox.lbUrl, app.service)
  expect(version).toMatch(/^[0-9a-f]{40}$|^g\d$/)
  return version
}
/** Nothing of `version` exists on any server: the fault stopped the run before it created anything. */
const nothingOf = async (version: string) => {
  for (const host of [s1, s2, s3])
    expect((await containers(app, host)).filter((c) => c.includes(`-${version} `))).toEqual([])
}
/** The fault removed, the same deploy succeeds. */
const rerun = async (version: string) => {
  const again = await deploy(version).done
  expect(again.code, again.output).toBe(0)
  for (const host of [s1, s2]) expect(await running(host)).toEqual([web(version)])
}

let config = ''
// Hostile values, clear and secret (the first deploy carries them): each must arrive as documented
// in docs/faults.md and run nothing. The payloads would leave a file named after PWNED.
const PWNED = `/tmp/pwned-${app.service}`
const HOSTILE: Record<string, string> = {
  QUOTES: `it's "quoted"`,
  DOLLAR: '$HOME ${HOME}',
  TICKS: `\`touch ${PWNED}-tick\``,
  SUBST: `$(touch ${PWNED}-subst)`,
  SEMI: `a; touch ${PWNED}-semi #`,
  NEWLINE: 'line1\nline2',
  TAB: 'a\tb',
  BACKSLASH: 'back\\slash \\n',
  UNICODE: 'ünï 日本 🚀',
  PADDED: '  padded  ',
  EMPTY: '',
}
const clearName = (name: string) => `H_${name}`
const secretName = (name: string) => `S_${name}`
// A secret no output may show: the first deploy prints and logs none of it.
const MARKER = `marker-${app.service}-secret`
Object.assign(app.env, Object.fromEntries(Object.entries(HOSTILE).map(([name, value]) => [secretName(name), value])), {
  S_MARKER: MARKER,
})
let firstOutput = ''

beforeAll(async () => {
  editConfig(app, (yml) =>
    withSsh(yml, `connect_timeout: ${CONNECT}\nkeepalive_interval: ${KEEPALIVE}\nkeepalive_maxcount: 3`)
      .replace('stop_wait_time: 2', `stop_wait_time: ${STOP_WAIT}`)
      .replace(
        '    GREETING: hello\n',
        `    GREETING: hello\n${Object.entries(HOSTILE)
          .map(([name, value]) => `    ${clearName(name)}: ${JSON.stringify(value)}\n`)
          .join('')}`,
      )
      .replace(
        '  secret: [DEMO_SECRET]',
        `  secret: [DEMO_SECRET, S_MARKER, ${Object.keys(HOSTILE).map(secretName).join(', ')}]`,
      )
      .concat(`hook_timeout: ${HOOK_TIMEOUT}\n`),
  )
  editConfig(app, (yml) => (config = yml))
  // `npx tsx …` in the app repo finds tsx as a user's project does: in its node_modules.
  symlinkSync(join(SLIPWAY, 'node_modules'), join(app.dir, 'node_modules'))
  const v1 = await app.init()
  const first = await app.script('deploy', ['-v'])
  expect(first.code, first.stderr).toBe(0)
  firstOutput = first.stdout + first.stderr
  await moreVersions(app, v1, ['g1', 'g2', 'g3', 'g4', 'g5', 'g6', 'g7', 'g8'])
}, 300_000)
afterEach(() => {
  editConfig(app, () => config)
  rmSync(join(app.dir, '.kamal'), { recursive: true, force: true })
})
afterAll(() => app.cleanup())

describe('values', () => {
  test('hostile env values arrive as written (clear) or env-file escaped (secret), and run nothing', async () => {
    const container = `${app.service}-web-${(await servedNow()).trim()}`
    // /proc/1/environ: the container's environment exactly, NUL-separated.
    const { stdout } = await sshExec(s1, `docker exec ${container} cat /proc/1/environ | base64 -w0`)
    const environ = new Map(
      Buffer.from(stdout.trim(), 'base64')
        .toString()
        .split('\0')
        .filter(Boolean)
        .map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
    )
    for (const [name, value] of Object.entries(HOSTILE)) {
      expect(environ.get(clearName(name)), clearName(name)).toBe(value)
      expect(environ.get(secretName(name)), secretName(name)).toBe(escapeValue(value))
    }
    for (const host of [s1, s2, s3]) expect((await sshExec(host, `ls ${PWNED}-* 2>/dev/null; true`)).stdout).toBe('')
    expect(existsSync(`${PWNED}-tick`) || existsSync(`${PWNED}-subst`) || existsSync(`${PWNED}-semi`)).toBe(false)
    // The env file holding them is the ssh user's alone.
    const mode = await sshExec(s1, `stat -c %a .kamal/env/roles/${app.service}-web.env`)
    expect(mode.stdout.trim()).toBe('600')
  })

  test('no secret shows in the output of a verbose deploy or in its run log', () => {
    expect(firstOutput).not.toContain(MARKER)
    const logs = join(app.dir, '.slipway/logs')
    expect(readdirSync(logs).length).toBeGreaterThan(0)
    for (const file of readdirSync(logs)) expect(readFileSync(join(logs, file), 'utf8')).not.toContain(MARKER)
  })
  test('a failing deploy whose container prints secrets in its log and health output shows them redacted, with and without -v, and in the run log', async () => {
    // The new web container prints secrets on start and in every (failing) health check.
    const leak = 'echo \\"leak $S_MARKER $DEMO_SECRET $S_NEWLINE\\"'
    editConfig(app, (yml) =>
      yml
        .replace(
          `      - ${s2}: canary\n`,
          `      - ${s2}: canary\n    cmd: sh -c "${leak} >&2; exec /bin/sh /start.sh"\n`,
        )
        .replace(/^  cmd: wget .*$/m, '  cmd: echo "leak $S_MARKER $DEMO_SECRET $S_NEWLINE"; exit 1')
        .replace('max_attempts: 10', 'max_attempts: 3'),
    )
    const before = await servedNow()
    const logs = join(app.dir, '.slipway/logs')
    const logsBefore = new Set(readdirSync(logs))
    const plain = await deploy('g7').done
    const verbose = launch([...tsx('g8'), '-v'], { cwd: app.dir, env: app.env })
    const loud = await verbose.done

    const secrets = [
      MARKER,
      app.env['DEMO_SECRET']!,
      escapeValue(app.env['DEMO_SECRET']!),
      escapeValue(HOSTILE['NEWLINE']!),
    ]
    for (const [name, end] of [
      ['default', plain],
      ['-v', loud],
    ] as const) {
      expect(end.code, end.output).toBe(1)
      // The failure report showed the container's log and its health checks, with the values replaced.
      expect(end.output, name).toMatch(/did not become healthy/)
      expect(end.output, name).toContain('leak [REDACTED] [REDACTED] [REDACTED]')
      for (const secret of secrets) expect(end.output, name).not.toContain(secret)
    }
    const written = readdirSync(logs).filter((file) => !logsBefore.has(file))
    expect(written.length).toBe(2)
    for (const file of written) {
      const log = readFileSync(join(logs, file), 'utf8')
      expect(log, file).toContain('leak [REDACTED]')
      for (const secret of secrets) expect(log, file).not.toContain(secret)
    }
    expect(await lockHeld(app, s1)).toBe(false)
    expect(await servedNow()).toBe(before)
    for (const host of [s1, s2]) expect((await running(host)).filter((c) => /-g[78] /.test(c))).toEqual([])
  })
})

describe('faults of the run', () => {
  // What a user starts: npx over sh over tsx's CLI (which SIGKILLs a child that acknowledges a
  // signal late), and the slipway command itself. The signal goes to that process only, as a CI
  // runner's cancel or `kill <pid>` sends it.
  // Each its own version: a cancelled redeploy of the version already serving is another scenario.
  const launchers: [string, string, (args: string[]) => string[]][] = [
    [
      'npx tsx tasks/deploy.ts',
      'g1',
      (args) => ['npx', '--no-install', 'tsx', join(SLIPWAY, 'tasks/deploy.ts'), ...args],
    ],
    ['slipway deploy', 'g6', (args) => [process.execPath, join(SLIPWAY, 'bin/slipway.js'), 'deploy', ...args]],
  ]
  test.each(launchers)(
    'SIGTERM to `%s` cancels as Ctrl-C does: every process ends, the lock is released, the old version serves',
    async (_, version, argv) => {
      // The new version never turns healthy, so the run is surely mid-boot when the signal comes.
      editConfig(app, (yml) => yml.replace('http://127.0.0.1/up', 'http://127.0.0.1/never'))
      const before = await servedNow()
      const load = traffic(app.service, [sandbox.lbUrl])
      const run = launch(argv(['--skip-push', '--version', version]), { cwd: app.dir, env: app.env })
      await run.until(new RegExp(`Waiting for ${app.service}-web-${version} to be healthy`))
      const tree = descendants(run.child.pid!)
      const sent = Date.now()
      run.child.kill('SIGTERM')
      const end = await run.done
      // Whatever the launcher does, the deploy below it cleans up and ends, within the stop of the new container.
      const bound = STOP_WAIT + KEEPALIVE + 15
      const gone = await allGone(tree, bound * 1000)
      const seen = await load.stop()

      expect((Date.now() - sent) / 1000).toBeLessThan(bound)
      expect(end.output).toMatch(/Cancelling \((SIGTERM|[^)]*, pid \d+, has ended)\)/)
      expect(await lockHeld(app, s1), end.output).toBe(false)
      expect(
        seen.answers.filter((v) => v !== before),
        seen.odd.join('\n'),
      ).toEqual([])
      for (const host of [s1, s2])
        expect(await running(host), `${end.output}\n(all gone after ${gone} s)`).not.toContain(web(version))
      expect((await containers(app, s3)).filter((c) => c.includes(`-${version} running`))).toEqual([])

      editConfig(app, () => config)
      await rerun(version)
    },
  )

  test('Ctrl-C during a redeploy of the version already serving: the container renamed aside keeps serving throughout and gets its name back', async () => {
    const serving = await servedNow()
    editConfig(app, (yml) => yml.replace('http://127.0.0.1/up', 'http://127.0.0.1/never'))
    // Each proxy asked directly too: the load balancer would hide one proxy's failures behind the other.
    const load = traffic(app.service, [sandbox.lbUrl, `http://${s1}`, `http://${s2}`])
    const run = deploy(serving)
    await run.until(new RegExp(`Waiting for ${app.service}-web-${serving} to be healthy`))
    run.child.kill('SIGINT')
    const end = await run.done
    const seen = await load.stop()

    expect(
      seen.answers.filter((v) => v !== serving),
      seen.odd.join('\n'),
    ).toEqual([])

    expect(end.code, end.output).toBe(130)
    expect(end.output).toMatch(
      new RegExp(`${app.service}-web-${serving}_replaced_[0-9a-f]+ is ${app.service}-web-${serving} again`),
    )
    expect(await lockHeld(app, s1)).toBe(false)
    expect(await servedNow()).toBe(serving)
    for (const host of [s1, s2]) expect(await running(host)).toEqual([web(serving)])
    editConfig(app, () => config)
  })

  test('a pre-deploy hook that hangs and ignores SIGTERM is stopped after hook_timeout, with every process it started', async () => {
    const hooks = join(app.dir, '.kamal/hooks')
    mkdirSync(hooks, { recursive: true })
    // Its child and grandchild inherit the ignored SIGTERM; the sleep's length marks them in `ps`.
    const marker = `sleep ${3000 + Math.floor(Math.random() * 1000)}`
    writeFileSync(
      join(hooks, 'pre-deploy'),
      `#!/bin/sh\ntrap '' TERM INT\necho "hook started"\nsh -c '${marker}; echo never' &\nwait\n`,
    )
    chmodSync(join(hooks, 'pre-deploy'), 0o755)
    const before = await servedNow()
    const end = await deploy('g2').done

    expect(end.code, end.output).toBe(1)
    expect(end.seconds).toBeLessThan(HOOK_TIMEOUT + KILL_AFTER + OVERHEAD)
    expect(end.output).toContain(`hook pre-deploy did not finish within ${HOOK_TIMEOUT} s (hook_timeout)`)
    expect(end.output).toContain('hook started')
    expect(execFileSync('ps', ['-eo', 'args']).toString()).not.toContain(marker)
    expect(await lockHeld(app, s1)).toBe(false)
    expect(await servedNow()).toBe(before)
    await nothingOf('g2')

    rmSync(join(app.dir, '.kamal'), { recursive: true, force: true })
    await rerun('g2')
  })

  test('a wrong registry password is refused at the login on every host, reported once with the host list', async () => {
    const before = await servedNow()
    const end = await deploy('g3', { SANDBOX_REGISTRY_PASSWORD: 'not-the-password' }).done

    expect(end.code, end.output).toBe(1)
    expect(end.seconds).toBeLessThan(CONNECT + OVERHEAD)
    expect(end.output).toMatch(new RegExp(`error: the same failure on 3 hosts \\(${[s1, s2, s3].join(', ')}\\)`))
    // The deploy's login (kept where docker stores these credentials; not here, they differ) ran docker login, which the registry refused.
    expect(end.output).toMatch(/login-unless-stored\.sh .* exited with 1/)
    expect(end.output).toMatch(/unauthorized/i)
    expect(end.output).not.toContain('not-the-password')
    expect(await lockHeld(app, s1)).toBe(false)
    expect(await servedNow()).toBe(before)
    await nothingOf('g3')
    await rerun('g3')
  })

  test('a wrong ssh key is refused at connect on every host, reported once with the host list', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'slipway-wrong-key-'))
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'id')])
    editConfig(app, (yml) => yml.replace(`keys: [${sandbox.sshKey}]`, `keys: [${join(dir, 'id')}]`))
    const before = await servedNow()
    const end = await deploy('g4').done
    rmSync(dir, { recursive: true, force: true })

    expect(end.code, end.output).toBe(1)
    expect(end.seconds).toBeLessThan(CONNECT + OVERHEAD)
    expect(end.output).toMatch(new RegExp(`error: the same failure on 3 hosts \\(${[s1, s2, s3].join(', ')}\\)`))
    expect(end.output).toMatch(/cannot (connect|log in) to root@<host>:22/)
    expect(await lockHeld(app, s1)).toBe(false)
    expect(await servedNow()).toBe(before)
    await nothingOf('g4')
    editConfig(app, () => config)
    await rerun('g4')
  })

  test('a changed host key is refused before any change, with the fingerprint and the fix', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'slipway-known-'))
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'other')])
    const other = execFileSync('cat', [join(dir, 'other.pub')])
      .toString()
      .split(' ')
      .slice(0, 2)
      .join(' ')
    writeFileSync(join(dir, 'known_hosts'), `${s2} ${other}\n`)
    const before = await servedNow()
    const end = await deploy('g5', { SLIPWAY_KNOWN_HOSTS: join(dir, 'known_hosts') }).done
    rmSync(dir, { recursive: true, force: true })

    expect(end.code, end.output).toBe(1)
    expect(end.seconds).toBeLessThan(CONNECT + OVERHEAD)
    expect(end.output).toContain(s2)
    expect(end.output).toMatch(/SHA256:[A-Za-z0-9+/]+/)
    expect(end.output).toMatch(/ssh-keygen -R|known_hosts/)
    expect(await lockHeld(app, s1)).toBe(false)
    expect(await servedNow()).toBe(before)
    await nothingOf('g5')
    await rerun('g5')
  })
})
