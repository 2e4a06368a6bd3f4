import { afterAll, expect, test } from 'vitest'
import { readSandboxEnv, uniqueService } from './support/sandbox.ts'
import { join } from 'node:path'
import { appRepo, runScript, site, SLIPWAY } from './support/app-repo.ts'

// examples/custom-deploy.ts is the README's example of a team's own recipe (imports from 'slipway':
// this checkout's sources, through tsconfig's paths).
const sandbox = readSandboxEnv()
const app = appRepo({ service: uniqueService('custom') })
afterAll(() => app.cleanup())

test('a custom recipe runs its own tasks between the stock ones and deploys', async () => {
  const version = await app.init()
  const result = await runScript(join(SLIPWAY, 'examples/custom-deploy.ts'), [], {
    cwd: app.dir,
    env: app.env,
    tsconfig: join(SLIPWAY, 'tsconfig.json'),
  })
  expect(result.code, result.stderr).toBe(0)
  const [s1, s2] = sandbox.servers
  // Hosts run in parallel: the smoke test's lines arrive in whichever order the hosts finish.
  const [announced, ...smoke] = result.stdout.trimEnd().split('\n')
  expect(announced).toBe(`announced ${app.service}@${version}`)
  expect(smoke.sort()).toEqual([`smoke test passed on ${s1}`, `smoke test passed on ${s2}`].sort())
  expect(await site(app.service)).toEqual({ status: 200, body: version })
})
