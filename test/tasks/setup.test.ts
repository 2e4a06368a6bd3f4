import { Listr } from 'listr2'
import { expect, test } from 'vitest'
import { bootstrapServers } from '../../tasks/steps/server.ts'
import { makeConfig } from '../support/config.ts'
import { recordingContext } from '../support/context.ts'

test('bootstrapServers installs Docker only where it is missing, and creates the run directory everywhere', async () => {
  const { ctx, log } = recordingContext({
    config: makeConfig(),
    reply: (line) =>
      line === '1.1.1.2: docker -v'
        ? { exitCode: 127, stderr: 'sh: docker: not found' }
        : { stdout: 'Docker version 20.10' },
  })
  await new Listr([bootstrapServers()], { ctx, renderer: 'silent' }).run()
  expect(log.filter((l) => l.includes('get.docker.com')).map((l) => l.split(':')[0])).toEqual(['1.1.1.2'])
  for (const host of ['1.1.1.1', '1.1.1.2', '1.1.1.3']) expect(log).toContain(`${host}: docker -v && mkdir -p .kamal`)
})

test('bootstrapServers says which host cannot get Docker', async () => {
  const { ctx } = recordingContext({
    config: makeConfig(),
    reply: (line) =>
      line.startsWith('1.1.1.3: docker -v') || line.startsWith('1.1.1.3: sh -c') ? { exitCode: 1 } : undefined,
  })
  await expect(new Listr([bootstrapServers()], { ctx, renderer: 'silent' }).run()).rejects.toThrow(
    '1.1.1.3: Docker is not installed and root cannot install it',
  )
})
