import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Listr } from 'listr2'
import { expect, test } from 'vitest'
import { pruneOld, tagLatest } from '../../tasks/steps/app.ts'
import { runHook } from '../../tasks/steps/hooks.ts'
import { makeConfig } from '../support/config.ts'
import { recordingContext } from '../support/context.ts'

// Ctrl-C while `latest` is being tagged: every host is serving the new version by then, so the tag
// finishes on every host ("current" stays the same everywhere); prune and the post-deploy hook, which
// are housekeeping, are skipped (the next deploy prunes).
test('a cancel during the tag lets the tag finish on every host and skips prune and the post-deploy hook', async () => {
  const root = mkdtempSync(join(tmpdir(), 'slipway-late-'))
  mkdirSync(join(root, '.kamal/hooks'), { recursive: true })
  writeFileSync(join(root, '.kamal/hooks/post-deploy'), '#!/bin/sh\necho ran\n')
  chmodSync(join(root, '.kamal/hooks/post-deploy'), 0o755)
  const yml = `service: app
image: dhh/app
registry: { server: registry.example.com, username: user, password: [KAMAL_REGISTRY_PASSWORD] }
servers:
  web: [1.1.1.1, 1.1.1.2]
`
  const config = { ...makeConfig(yml), root }
  let abort!: () => void
  const {
    ctx,
    log,
    abort: cancel,
  } = recordingContext({
    config,
    reply: async (line) => {
      // The Ctrl-C arrives while the first host tags; the second host's tag is still to come.
      if (line.startsWith('1.1.1.1: ') && line.includes(' docker tag ')) {
        abort()
        await new Promise((r) => setTimeout(r, 20))
      }
      return undefined
    },
  })
  abort = cancel
  await new Listr([tagLatest(), pruneOld(), runHook('post-deploy')], { ctx, renderer: 'silent' }).run()

  expect(ctx.signal.aborted).toBe(true)
  const tags = log.filter((l) => / docker tag /.test(` ${l.split(': ')[1]} `))
  expect(tags.map((l) => l.split(':')[0]).sort()).toEqual(['1.1.1.1', '1.1.1.2'])
  expect(log.filter((l) => /prune|docker (image|container) rm/.test(l))).toEqual([])
  expect(log.filter((l) => l.includes('post-deploy'))).toEqual([])
  rmSync(root, { recursive: true })
})
