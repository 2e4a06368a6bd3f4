import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Listr } from 'listr2'
import { expect, test } from 'vitest'
import * as app from '../../lib/commands/app.ts'
import { render } from '../../lib/shell/command.ts'
import { tagAndPrune } from '../../tasks/steps/app.ts'
import { deploySteps } from '../../tasks/steps/recipes.ts'
import { makeConfig } from '../support/config.ts'
import { recordingContext } from '../support/context.ts'

// The end of a deploy under the lock: `latest` moves, then the prune, in one round trip per host.
const config = makeConfig()
const r = (c: Parameters<typeof render>[0]): string => render(c, { redact: true })
const escape = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

test('one round trip per host: docker tag, then the prune, in that order; every host is live', async () => {
  const { ctx, log } = recordingContext({ config })
  await new Listr([tagAndPrune()], { ctx, renderer: 'silent' }).run()
  // Each step with its audit line (`sh audit-record.sh …`) before it, as Kamal writes them.
  const tag = r(app.tagLatest(config, 'v2'))
  expect(log.map((l) => l.split(': ')[0]).sort()).toEqual(['1.1.1.1', '1.1.1.2', '1.1.1.3'])
  for (const line of log)
    expect(line).toMatch(
      new RegExp(
        `Tagging .*${escape(tag)} && echo slipway:tagged && .*Pruned containers.*sh prune-containers\\.sh .*Pruned images.*sh prune-images\\.sh `,
      ),
    )
  expect([...ctx.report.live].sort()).toEqual(['1.1.1.1', '1.1.1.2', '1.1.1.3'])
})

test('a failed prune fails the step, but the host whose tag moved counts as live; a failed tag does not', async () => {
  const { ctx } = recordingContext({
    config,
    reply: (line) =>
      line.startsWith('1.1.1.2')
        ? { exitCode: 1, stdout: 'slipway:tagged\n', stderr: 'rm failed' }
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
  const ends = log.filter((l) => l.includes(' docker tag '))
  expect(ends).toHaveLength(3)
  for (const line of ends)
    expect(line).toMatch(/ && echo slipway:tagged && .*sh prune-containers\.sh .*sh prune-images\.sh /)
  expect(log.filter((l) => l.includes('sh prune-containers.sh'))).toHaveLength(3)
})
