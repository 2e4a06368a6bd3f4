import { readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, test } from 'vitest'
import { appRepo, site, SLIPWAY } from './support/app-repo.ts'
import { readSandboxEnv, uniqueService } from './support/sandbox.ts'
import { terminal, type Terminal } from './support/terminal.ts'

// What a person sees when they run slipway on their own terminal: the listr2 tree, drawn by its
// default renderer, which only a real terminal (a tmux pane here) gets. Every other test runs
// without one. The assertions are on the screen as it reads, not on escape codes.

const sandbox = readSandboxEnv()
const app = appRepo({ service: uniqueService('tty') })
const open: Terminal[] = []
afterAll(async () => {
  for (const t of open) t.close()
  await app.cleanup()
})

const TSX = join(SLIPWAY, 'node_modules/.bin/tsx')
const run = (script: string, ...args: string[]): Terminal => {
  const t = terminal([TSX, join(SLIPWAY, 'tasks', `${script}.ts`), ...args], { cwd: app.dir, env: app.env })
  open.push(t)
  return t
}

/** What must never be on a person's screen: a stack trace, a renderer error, a secret. */
function expectClean(screen: string): void {
  expect(screen).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m)
  expect(screen).not.toContain('hijacked')
  expect(screen).not.toContain(app.env.DEMO_SECRET!)
  expect(screen).not.toContain(sandbox.registryPassword)
}

/** The run log named on the screen, or the newest one. */
function runLog(screen?: string): string {
  const named = screen?.match(/full log: (\S+)/)?.[1]
  const dir = join(app.dir, '.slipway', 'logs')
  const file = named ? join(app.dir, named) : join(dir, readdirSync(dir).sort().at(-1)!)
  return readFileSync(file, 'utf8')
}

describe('on a terminal', () => {
  let version = ''

  test('a deploy draws one tree, collapses the finished steps and ends with one line', async () => {
    version = await app.init()
    const t = run('deploy')
    // While it runs: the per-host subtasks and what each host is doing.
    const during = await t.waitFor(/Boot app\n(.*\n)*\s+. web on \S+\n\s+› /)
    expect(during).toMatch(/workers on \S+/)
    const { code, screen } = await t.exited()
    expect(code, screen).toBe(0)
    expectClean(screen)
    const lines = screen.split('\n')
    // Finished steps are one line each, with their duration.
    expect(lines.filter((l) => /^✔ /.test(l))).toEqual([
      expect.stringMatching(/^✔ Build and connect \[[\d.]+m?s\]$/),
      expect.stringMatching(/^✔ Pull image \[[\d.]+m?s\]$/),
      expect.stringMatching(/^✔ Deploy lock \[[\d.]+m?s\]$/),
    ])
    const [s1, s2, s3] = sandbox.servers
    expect(lines.at(-1)).toMatch(
      new RegExp(`^Deployed ${app.service}@${version.slice(0, 7)} on 3 hosts \\(${s1}, ${s2}, ${s3}\\) in [\\d.]+ s$`),
    )
    expect(Math.max(...lines.map((l) => l.length))).toBeLessThanOrEqual(110)
    expect(t.cursorVisible()).toBe(true)
    expect(await site(app.service)).toEqual({ status: 200, body: version })

    // The full log has every command of the run, each with its exit code, and no secret.
    const log = runLog()
    const started = [...log.matchAll(/\[(\S+) (#\d+)\] \$ /g)].map((m) => `${m[1]} ${m[2]}`)
    const ended = [...log.matchAll(/\[(\S+) (#\d+)\] exit (\d+)/g)].map((m) => `${m[1]} ${m[2]}`)
    expect(started.length).toBeGreaterThan(20)
    expect(ended.sort()).toEqual(started.sort())
    for (const host of sandbox.servers) {
      expect(log).toMatch(new RegExp(`\\[${host} #\\d+\\] \\$ .*docker pull ${sandbox.registry}/`))
      // The tag moves in the program that also prunes (sh/prune-all.sh <…> <image to tag>).
      expect(log).toMatch(
        new RegExp(`\\[${host} #\\d+\\] \\$ .*sh prune-all\\.sh .* ${sandbox.registry}/\\S+:${version}`),
      )
    }
    expect(log).toMatch(/\[localhost #\d+\] \$ git /)
    expect(log).not.toContain(app.env.DEMO_SECRET!)
    expect(log).not.toContain(sandbox.registryPassword)
  })

  test('a failing deploy ends with one summary of what failed where, and the path of the full log', async () => {
    const config = join(app.dir, 'deploy.yml')
    const good = readFileSync(config, 'utf8')
    writeFileSync(
      config,
      good.replace('  dockerfile: demo/Dockerfile', '  dockerfile: demo/Dockerfile\n  args:\n    BROKEN: "1"'),
    )
    const broken = await app.commit('broken')
    const t = run('deploy')
    const { code, screen } = await t.exited()
    writeFileSync(config, good)
    await app.commit('fixed')
    expect(code, screen).toBe(1)
    expectClean(screen)
    const [s1, s2, s3] = sandbox.servers.map((h) => h.replaceAll('.', '\\.'))
    // The tree: the failed step and each host's failure in one line.
    expect(screen).toMatch(/^✖ Deploy lock$/m)
    expect(screen).toMatch(/^    ✖ Boot app$/m)
    // (The renderer wraps a long line at the terminal's width.)
    expect(screen).toMatch(
      new RegExp(`^      ✖ web on ${s1}\\n {8}› ${s1}: \\S+ did not become healthy\\s+\\(unhealthy\\)$`, 'm'),
    )
    expect(screen).toMatch(
      new RegExp(
        `^      ✖ workers on ${s3}\\n {8}› ${s3}: first web container is unhealthy, not booting workers$`,
        'm',
      ),
    )
    expect(screen).toMatch(/^  ✔ Release/m)
    // Then the summary, once, with the details: the container's log and its health checks.
    const summary = screen.slice(screen.indexOf('error: '))
    expect(summary).toMatch(/^error: failures on 3 hosts:$/m)
    expect(summary).toMatch(new RegExp(`^- ${s2}: ${app.service}-web-${broken} did not become healthy`, 'm'))
    expect(summary).toMatch(
      /^  last health checks:\n    exit 1: wget: server returned error: HTTP\/1\.1 404 Not Found/m,
    )
    expect(summary).toMatch(/^full log: \.slipway\/logs\/\S+-deploy-\d+\.log$/m)
    expect(runLog(screen)).toContain(`docker run --detach --restart unless-stopped --name ${app.service}-web-${broken}`)
    expect(t.cursorVisible()).toBe(true)
    expect(await site(app.service)).toEqual({ status: 200, body: version })
  })

  test('a read-only command prints what it found below the tree', async () => {
    const t = run('app', 'details')
    const { code, screen } = await t.exited()
    expect(code, screen).toBe(0)
    expectClean(screen)
    expect(screen).toMatch(/^✔ App details/m)
    for (const host of sandbox.servers) expect(screen).toContain(`Host: ${host} (`)
    expect(screen).toContain(`${app.service}-web-${version}`)
  })

  test('Ctrl-C during the boot cancels cleanly: cleanup, lock released, old version serving, terminal restored', async () => {
    const next = await app.commit('next')
    const t = run('deploy')
    await t.waitFor(/Starting \S+-web-/)
    t.press('C-c')
    const { code, screen } = await t.exited()
    expect(code, screen).toBe(130)
    expectClean(screen)
    expect(screen).toMatch(/^cancelled: /m)
    expect(screen).toMatch(/^full log: /m)
    expect(screen).toMatch(/^  ✔ Release/m)
    expect(t.cursorVisible()).toBe(true)
    expect(await site(app.service)).toEqual({ status: 200, body: version })
    const status = run('lock', 'status')
    const after = await status.exited()
    expect(after.screen).toContain('There is no deploy lock')
    expect(after.screen).not.toContain(next)
  })
})
