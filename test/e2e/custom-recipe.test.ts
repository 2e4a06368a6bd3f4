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
  // Hosts run in parallel: the smoke test's lines arrive in whichever order the hosts finish.
  const [announced, ...smoke] = result.stdout.trimEnd().split('\n')
  expect(announced).toBe(`announced ${app.service}@${version}`)
  expect(smoke.sort()).toEqual([`smoke test passed on ${s1}`, `smoke test passed on ${s2}`].sort())
  expect(await site(app.service)).toEqual({ status: 200, body: version })
})
