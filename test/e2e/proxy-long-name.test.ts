import { afterAll, expect, test } from 'vitest'
import { appRepo, site } from './support/app-repo.ts'
import { uniqueService } from './support/sandbox.ts'

// Docker's DNS answers container names of at most 63 characters, and `<service>-web-<40-hex sha>` is
// longer with a service name like this one: caddy must still reach the new container (it answered
// 502 while the deploy reported success).
const service = uniqueService('a-team-app-with-a-long-name')
// Web on both servers behind the load balancer, as site() may reach either.
const app = appRepo({ service })
afterAll(() => app.cleanup())

test('an app whose container names are too long for Docker DNS is served through caddy', async () => {
  const version = await app.init()
  expect(`${service}-web-${version}`.length).toBeGreaterThan(63)
  const deploy = await app.script('deploy')
  expect(deploy.code, deploy.stderr).toBe(0)
  // Several requests, so both load balancer backends (both web hosts) answer.
  for (let i = 0; i < 4; i++) expect(await site(service)).toEqual({ status: 200, body: version })
})
