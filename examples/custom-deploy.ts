// A team's own recipe, as the README shows: the stock deploy with two custom tasks slotted in.
// Copy it to your app's tasks/ and run it like any entry script: `npx tsx tasks/custom-deploy.ts [flags]`.
import { request } from 'node:http'
import {
  main,
  pushSteps,
  runHook,
  pullImage,
  withLock,
  bootProxy,
  bootApp,
  tagLatest,
  pruneOld,
  onHosts,
  DeployError,
  type DeployTask,
} from 'slipway'

/** Says what is about to happen, between push and the first server contact. */
const announce = (): DeployTask => ({
  title: 'Announce',
  task: (ctx, task) => {
    task.output = `${ctx.config.service}@${ctx.version.slice(0, 7)} → ${ctx.selection.hosts.join(', ')}`
    ctx.report.lines.push(`announced ${ctx.config.service}@${ctx.version}`)
  },
})

/** After boot and before `latest` moves: every proxied host must answer /up through its proxy. */
const smokeTest = (): DeployTask =>
  onHosts(
    'Smoke test',
    (ctx) => ctx.selection.hosts.filter((h) => ctx.selection.rolesOn(h).some((r) => r.proxy)),
    async (ctx, host, task) => {
      const status = await get(host, ctx.config.proxy.hostPort, '/up', ctx.config.proxy.hosts[0])
      if (status !== 200) throw new DeployError(`${host}: GET /up through the proxy answered ${status}`)
      task.output = `${host}: /up 200`
      ctx.report.lines.push(`smoke test passed on ${host}`)
    },
  )

const get = (host: string, port: number, path: string, hostHeader: string | undefined): Promise<number> =>
  new Promise((resolve, reject) => {
    const req = request({ host, port, path, timeout: 5000, headers: hostHeader ? { host: hostHeader } : {} }, (res) => {
      res.resume()
      resolve(res.statusCode ?? 0)
    })
    req.on('error', reject).on('timeout', () => req.destroy(new Error(`GET ${path} on ${host} timed out`)))
    req.end()
  })

void main({
  name: 'deploy',
  recipe: () => [
    ...pushSteps(),
    announce(),
    runHook('pre-connect'),
    pullImage(),
    withLock([runHook('pre-deploy'), bootProxy(), bootApp(), smokeTest(), tagLatest(), pruneOld()]),
    runHook('post-deploy'),
  ],
})
