import { afterAll, expect, test } from 'vitest'
import { readSandboxEnv, uniqueService } from './support/sandbox.ts'
import { appRepo, site } from './support/app-repo.ts'

// tasks/custom-deploy.ts is the README's example of a team's own recipe (imports from 'slipway').
const sandbox = readSandboxEnv()
const app = appRepo({ service: uniqueService('custom') })
afterAll(() => app.cleanup())

test('a custom recipe runs its own tasks between the stock ones and deploys', async () => {
  const version = await app.init()
  const result = await app.script('custom-deploy')
  expect(result.code, result.stderr).toBe(0)
  const [s1, s2] = sandbox.servers
  expect(result.stdout).toBe(`announced ${app.service}@${version}\nsmoke test passed on ${s1}\nsmoke test passed on ${s2}\n`)
  expect(await site(app.service)).toEqual({ status: 200, body: version })
})
