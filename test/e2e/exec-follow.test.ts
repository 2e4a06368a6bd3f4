import { spawn } from 'node:child_process'
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { appRepo, SLIPWAY } from './support/app-repo.ts'
import { readSandboxEnv, sshExec, uniqueService } from './support/sandbox.ts'
import { terminal, type Terminal } from './support/terminal.ts'

// `app exec` and `server exec` on the sandbox: a command on every host, output per host; `-i`, a
// remote shell driven through a real terminal (tmux) as a person types into it; and `app logs -f`,
// streaming from every host at once until Ctrl-C.
const sandbox = readSandboxEnv()
const [s1, s2, s3] = sandbox.servers as [string, string, string]
const app = appRepo({ service: uniqueService('exec') })
const open: Terminal[] = []

let version = ''
beforeAll(async () => {
  version = await app.init()
  const deploy = await app.script('deploy')
  expect(deploy.code, deploy.stderr).toBe(0)
})
afterAll(async () => {
  for (const t of open) t.close()
  await app.cleanup()
})

async function slipway(...args: string[]): Promise<string> {
  const result = await app.script('app', args)
  expect(result.code, result.stderr).toBe(0)
  return result.stdout
}

const lastAuditLine = async (host: string): Promise<string> =>
  (await sshExec(host, `tail -n 1 .kamal/${app.service}-audit.log`)).stdout.trim()

// The secret is never printed (stdout is scrubbed of secrets); its digest proves the container has it.
const digest = (text: string): string => createHash('sha256').update(text).digest('hex').slice(0, 16)
const SHOW = 'echo "$(hostname) $(printf %s "$DEMO_SECRET" | sha256sum | cut -c1-16) ${CANARY:-no} ${EXTRA:-}"'

describe('exec', () => {
  test('a new container per role on every host, with the role env, the secret env file and -e', async () => {
    const out = await slipway('exec', '-e', 'EXTRA=given', '--', 'sh', '-c', SHOW)
    const secret = digest(app.env.DEMO_SECRET!)
    const blocks = out.trim().split('\n\n')
    expect(blocks.map((b) => b.split('\n')[0])).toEqual([
      `Host: ${s1} (web)`,
      `Host: ${s2} (web)`,
      `Host: ${s3} (workers)`,
    ])
    const lines = blocks.map((b) => b.split('\n')[1]!.split(' '))
    for (const [, hash, , extra] of lines) expect([hash, extra]).toEqual([secret, 'given'])
    expect(lines.map((l) => l[2])).toEqual(['no', 'yes', 'no'])
    // Three new containers, three hostnames; none of them left behind (--rm).
    expect(new Set(lines.map((l) => l[0])).size).toBe(3)
    expect(out).not.toContain(app.env.DEMO_SECRET!)
  })

  test('--reuse runs in the running container of each host', async () => {
    const out = await slipway('exec', '--reuse', '-r', 'web', 'sh -c "hostname; echo $GREETING"')
    // The app's containers are named after their host (Kamal's --hostname).
    expect(out).toMatch(
      new RegExp(
        `^Host: ${s1} \\(web\\)\\n${s1}-[0-9a-f]{12}\\nhello\\n\\nHost: ${s2} \\(web\\)\\n${s2}-[0-9a-f]{12}\\nhello\\n\\n$`,
      ),
    )
    // Recorded as Kamal records it, with the role, on each host it ran on.
    for (const host of [s1, s2])
      expect(await lastAuditLine(host)).toMatch(
        new RegExp(`\\] \\[web\\] Executed cmd 'sh -c "hostname; echo \\$GREETING"' on app version ${version}$`),
      )
  })

  test('server exec runs the command itself on every server', async () => {
    const result = await app.script('server', [
      'exec',
      'docker ps --filter label=service=' + app.service + ' -q | wc -l',
    ])
    expect(result.code, result.stderr).toBe(0)
    expect(result.stdout).toBe(`Host: ${s1}\n1\n\nHost: ${s2}\n1\n\nHost: ${s3}\n1\n\n`)
    expect(await lastAuditLine(s3)).toMatch(
      /\] Executed cmd 'docker ps --filter label=service=\S+ -q \| wc -l' on \S+$/,
    )
  })

  test('-i refuses without a terminal, before connecting anywhere', async () => {
    const result = await app.script('app', ['exec', '-i', 'sh'])
    expect(result.code).toBe(1)
    expect(result.stderr).toContain('app exec -i needs a terminal, and stdin is not one')
  })

  test('-i: a remote shell on a real terminal; Ctrl-C reaches the remote program, the exit code comes back, the terminal is restored', async () => {
    const before = join(app.dir, 'stty-before')
    const after = join(app.dir, 'stty-after')
    const wrapped = `stty -g > ${before}; "$@"; code=$?; stty -g > ${after}; exit $code`
    const t = terminal(
      ['sh', '-c', wrapped, 'sh', join(SLIPWAY, 'bin/slipway.js'), 'app', 'exec', '-i', '-e', 'EXTRA=typed', 'sh'],
      {
        cwd: app.dir,
        env: app.env,
        cols: 100,
        rows: 30,
      },
    )
    open.push(t)
    await t.waitFor(/\n\/ #$/)
    t.press('echo "$EXTRA-$((6 * 7))"', 'Enter')
    await t.waitFor('\ntyped-42\n')
    // The terminal's size reached the remote pty.
    t.press('stty size', 'Enter')
    await t.waitFor('\n30 100\n')
    // And so does a change of size (SIGWINCH here, window-change over ssh).
    // The new size travels as a signal here, then a window-change request over ssh, while the typed
    // command travels on the data channel: ask again until it has arrived (a lost change never does).
    t.resize(90, 25)
    for (let asked = 1; ; asked++) {
      t.press('stty size', 'Enter')
      const seen = await t.waitFor('\n25 90\n', 3_000).then(
        () => true,
        () => false,
      )
      if (seen) break
      if (asked === 20) throw new Error(`the new size never reached the remote pty:\n${t.screen()}`)
    }
    t.press('echo "sleep from $$"; sleep 600', 'Enter')
    await t.waitFor(/\nsleep from \d+$/)
    t.press('C-c')
    await t.waitFor(/\^C\n\/ #$/)
    t.press('echo "still $((1 + 1))"', 'Enter')
    await t.waitFor('\nstill 2\n')
    t.press('exit 3', 'Enter')
    const { code, screen } = await t.exited()
    expect(code, screen).toBe(3)
    expect(readFileSync(after, 'utf8')).toBe(readFileSync(before, 'utf8'))
    expect(t.cursorVisible()).toBe(true)
  })
})

describe('logs -f', () => {
  test('streams from every selected host at once, grep applied remotely; Ctrl-C ends it with exit 0', async () => {
    const tag = `tick-${app.service}`
    const child = spawn(
      join(SLIPWAY, 'node_modules/.bin/tsx'),
      [join(SLIPWAY, 'tasks/app.ts'), 'logs', '-f', '-r', 'web', '-g', tag],
      {
        cwd: app.dir,
        env: { ...process.env, ...app.env },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    )
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()))
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()))
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve))
    await until(
      () => /following 2 logs/.test(stderr),
      () => stderr,
    )
    // Written to each container's PID 1 stdout (what docker logs reads), while slipway follows.
    const write = (host: string, n: number) =>
      sshExec(host, `docker exec ${app.service}-web-${version} sh -c 'echo ${tag}-${host}-${n} > /proc/1/fd/1'`)
    for (let n = 1; n <= 3; n++) {
      await Promise.all([write(s1, n), write(s2, n)])
      await until(
        () => stdout.includes(`${tag}-${s1}-${n}`) && stdout.includes(`${tag}-${s2}-${n}`),
        () => stdout,
      )
    }
    child.kill('SIGINT')
    expect(await exited, stderr).toBe(0)
    const lines = stdout.trim().split('\n')
    // Each line is prefixed with its host and role (aligned), then docker's timestamp; nothing but the matches.
    const pad = Math.max(s1.length, s2.length) + ' (web)'.length
    for (const host of [s1, s2]) {
      const mine = lines.filter((l) => l.startsWith(`${`${host} (web)`.padEnd(pad)} | `))
      expect(mine.map((l) => l.replace(/^.* \| \S+Z /, ''))).toEqual([1, 2, 3].map((n) => `${tag}-${host}-${n}`))
    }
    expect(lines).toHaveLength(6)
    expect(stderr).not.toContain('Cancelling')
  })
})

/** Waits until `done()`; fails with what `shown()` says after 60 s. */
async function until(done: () => boolean, shown: () => string): Promise<void> {
  const deadline = Date.now() + 60_000
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`not seen within 60 s:\n${shown()}`)
    await new Promise((r) => setTimeout(r, 100))
  }
}
