import { Listr } from 'listr2'
import { describe, expect, test } from 'vitest'
import type { DeployTask, Flags } from '../../lib/context.ts'
import { app as appCommand } from '../../cli/app.ts'
import { server as serverCommand } from '../../cli/server.ts'
import { makeConfig } from '../support/config.ts'
import { recordingContext, type Reply } from '../support/context.ts'
import { invoke } from '../support/cli.ts'

// web on 1.1.1.1 and 1.1.1.2 (primary role), workers on 1.1.1.3.
const YML = `service: app
image: dhh/app
registry: { server: registry.example.com, username: user, password: [KAMAL_REGISTRY_PASSWORD] }
servers:
  web: [1.1.1.1, 1.1.1.2]
  workers: { hosts: [1.1.1.3], cmd: bin/jobs }
env:
  clear: { GREETING: hi }
  secret: [SECRET]
`
const config = makeConfig(YML, { env: { KAMAL_REGISTRY_PASSWORD: 'registry-pw', SECRET: 's3cret' } })

/** The command as run: its audit line written first, in the same round trip. */
const audited = (line: string, command: string) =>
  `sh audit-record.sh .kamal .kamal/app-audit.log '[2024-06-01T12:00:00Z] [tester@example.com] ${line}' && ${command}`

async function run(argv: string[], { reply, flags }: { reply?: Reply; flags?: Partial<Flags> } = {}) {
  const invoked = invoke(argv[0] === 'server' ? serverCommand : appCommand, argv.slice(1))
  const { ctx, log } = recordingContext({ config, reply, flags: { ...invoked.flags, ...flags } })
  const { steps } = invoked
  await new Listr(steps as DeployTask[], { ctx, renderer: 'silent' }).run()
  return { ctx, log }
}

describe('exec', () => {
  test('a new container of the latest image per role on every host, with the env file, env and -e', async () => {
    const { ctx, log } = await run(['app', 'exec', '-e', 'A=1', 'bin/rails runner "puts 1"'], {
      reply: (l) => ({ stdout: `${l.slice(0, 7)}\n` }),
    })
    const image = 'registry.example.com/dhh/app:latest'
    expect(log).toEqual(
      ['1.1.1.1', '1.1.1.2', '1.1.1.3'].map(
        (h) =>
          `${h}: ${audited(
            `Executed cmd '\\''bin/rails runner "puts 1"'\\'' on app version latest`,
            `docker run --rm --env-file .kamal/env/roles/app-${h === '1.1.1.3' ? 'workers' : 'web'}.env --env GREETING=hi --env A=1 ${image} bin/rails runner 'puts 1'`,
          )}`,
      ),
    )
    expect(ctx.report.lines).toEqual([
      'Host: 1.1.1.1 (web)\n1.1.1.1\n',
      'Host: 1.1.1.2 (web)\n1.1.1.2\n',
      'Host: 1.1.1.3 (workers)\n1.1.1.3\n',
    ])
  })

  test('--reuse: docker exec in the running container of each role; none running is an error naming the host', async () => {
    const running: Reply = (l) =>
      l.includes('current-container') || l.includes('app-current') ? { stdout: 'v1\n' } : undefined
    const { log } = await run(['app', 'exec', '--reuse', '-r', 'web', '--', 'ps', '-ef'], { reply: running })
    expect(log.filter((l) => l.includes('docker exec'))).toEqual(
      ['1.1.1.1', '1.1.1.2'].map(
        (h) =>
          `${h}: ${audited(`[web] Executed cmd '\\''ps -ef'\\'' on app version v1`, 'docker exec app-web-v1 ps -ef')}`,
      ),
    )
    await expect(run(['app', 'exec', '--reuse', '-p', 'ps'])).rejects.toThrow(
      '1.1.1.1: no running web container to --reuse',
    )
  })

  test('-i: one command on the primary host, with a terminal (recorded where no terminal can be lent)', async () => {
    const { log, ctx } = await run(['app', 'exec', '-i', 'bin/rails console'])
    expect(log).toEqual([
      '1.1.1.1: docker run -it --rm --env-file .kamal/env/roles/app-web.env --env GREETING=hi registry.example.com/dhh/app:latest bin/rails console',
    ])
    expect(ctx.found.handover).toBeUndefined()
  })

  test('server exec: one CMD is sh script text, on every host', async () => {
    const { log } = await run(['server', 'exec', 'uptime | cut -c1-10'])
    expect(log).toEqual(
      ['1.1.1.1', '1.1.1.2', '1.1.1.3'].map(
        (h) => `${h}: ${audited(`Executed cmd '\\''uptime | cut -c1-10'\\'' on ${h}`, "sh -c 'uptime | cut -c1-10'")}`,
      ),
    )
  })
})

describe('logs -f', () => {
  test('the tree works out one followed command per role and host; the handover streams them, prefixed and aligned', async () => {
    const reply: Reply = (l) => ({ stdout: `line from ${l.slice(0, 7)}\n` })
    const { ctx, log } = await run(['app', 'logs', '-f', '-g', 'err'], { reply })
    expect(log).toEqual([])
    const out: string[] = []
    const code = await ctx.found.handover!({
      out: (text) => void out.push(text),
      write: () => {},
      signal: new AbortController().signal,
      expectInterrupt: () => {},
      withTerminal: () => Promise.reject(new Error('no terminal here')),
    })
    expect(code).toBe(0)
    expect(out.sort()).toEqual([
      '1.1.1.1 (web)     | line from 1.1.1.1\n',
      '1.1.1.2 (web)     | line from 1.1.1.2\n',
      '1.1.1.3 (workers) | line from 1.1.1.3\n',
    ])
    expect(log).toHaveLength(3)
    for (const line of log) expect(line).toMatch(/ '' '' 1 1 .* \| grep --line-buffered -- err$/)
  })

  test('--dry-run records the followed commands: the last 10 lines, timestamps, --follow', async () => {
    const { ctx, log } = await run(['app', 'logs', '-f', '-p'], { flags: { dryRun: true } })
    expect(ctx.found.handover).toBeUndefined()
    expect(log).toEqual([
      expect.stringMatching(/^1\.1\.1\.1: sh app-logs\.sh \S+ '' 10 1 1 --filter label=service=app/),
    ])
  })
})
