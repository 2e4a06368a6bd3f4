import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Listr } from 'listr2'
import { expect, test } from 'vitest'
import * as app from '../../lib/commands/app.ts'
import * as prune from '../../lib/commands/prune.ts'
import { render } from '../../lib/shell/command.ts'
import { tagAndPrune } from '../../tasks/steps/app.ts'
import { deploySteps } from '../../tasks/steps/recipes.ts'
import { makeConfig } from '../support/config.ts'
import { recordingContext } from '../support/context.ts'

// The end of a deploy under the lock: `latest` moves and the prune runs, in one round trip per host
// (one program, sh/prune-all.sh: its order is proven in test/commands/prune.test.ts).
const config = makeConfig()
const r = (c: Parameters<typeof render>[0]): string => render(c, { redact: true })
const escape = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

test('one round trip per host: the three audit lines, then the program that tags and prunes; every host is live', async () => {
  const { ctx, log } = recordingContext({ config })
  await new Listr([tagAndPrune()], { ctx, renderer: 'silent' }).run()
  const program = r(prune.all(config, { tag: 'v2' }))
  expect(log.map((l) => l.split(': ')[0]).sort()).toEqual(['1.1.1.1', '1.1.1.2', '1.1.1.3'])
  for (const line of log)
    expect(line).toMatch(new RegExp(`Tagging .*Pruned containers.*Pruned images.* && ${escape(program)}$`))
  expect([...ctx.report.live].sort()).toEqual(['1.1.1.1', '1.1.1.2', '1.1.1.3'])
})

test('after a Ctrl-C it only tags, as the prune is housekeeping the next deploy does', async () => {
  const { ctx, log, abort } = recordingContext({ config })
  abort()
  await new Listr([tagAndPrune()], { ctx, renderer: 'silent' }).run()
  for (const line of log) expect(line).toMatch(new RegExp(`Tagging .* && ${escape(r(app.tagLatest(config, 'v2')))}$`))
  expect(log).toHaveLength(3)
})

test('a failed prune fails the step, but the host whose tag moved counts as live; a failed tag does not', async () => {
  const { ctx } = recordingContext({
    config,
    reply: (line) =>
      line.startsWith('1.1.1.2')
        ? { exitCode: 1, stdout: 'tagged\n', stderr: 'rm failed' }
        : line.startsWith('1.1.1.3')
          ? { exitCode: 1, stderr: 'no such image' }
          : undefined,
  })
  await expect(new Listr([tagAndPrune()], { ctx, renderer: 'silent' }).run()).rejects.toThrow()
  expect([...ctx.report.live].sort()).toEqual(['1.1.1.1', '1.1.1.2'])
})

test('the deploy recipe ends with it: no separate tag or prune round trip', async () => {
  const root = mkdtempSync(join(tmpdir(), 'slipway-tag-prune-'))
  writeFileSync(join(root, 'Dockerfile'), 'FROM scratch\n')
  const { ctx, log } = recordingContext({
    config: makeConfig(undefined, { root }),
    flags: { dryRun: true },
    reply: () => ({ stdout: 'home=/root\ncurrent=\ncurrent_version=\nhealthy\nswitched\n' }),
  })
  await new Listr(deploySteps(), { ctx, renderer: 'silent' }).run()
  expect(log.filter((l) => l.includes(' docker tag '))).toEqual([])
  const ends = log.filter((l) => l.includes('sh prune-all.sh'))
  expect(ends).toHaveLength(3)
  for (const line of ends)
    expect(line).toMatch(/Tagging .* && sh prune-all\.sh app '' 5 \S+\/dhh\/app:latest \S+\/dhh\/app \S+\/dhh\/app:v2$/)
})
