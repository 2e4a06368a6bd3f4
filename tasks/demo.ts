import { sandboxUp } from '../sandbox/api.ts'
import { optionsFromEnv } from '../sandbox/layout.ts'
import { writeRepoDotenv } from '../sandbox/dotenv.ts'
import { run } from '../lib/main.ts'
import { deploy } from '../cli/deploy.ts'

// `npm run demo`: bring the local sandbox up, then deploy deploy.yml's demo app to it.
const log = (line: string): void => void process.stderr.write(`${line}\n`)
const { env: sandbox, seconds } = await sandboxUp(optionsFromEnv(process.env), (line) => log(`sandbox: ${line}`))
log(`sandbox: ready in ${seconds.toFixed(1)} s`)
log(`sandbox: ${writeRepoDotenv(sandbox)}`)

// deploy.yml reads the sandbox's servers one by one, and a demo secret that shows how secrets reach containers.
const servers = sandbox.SANDBOX_SERVERS.split(' ')
const env = {
  ...process.env,
  ...sandbox,
  ...Object.fromEntries(servers.map((ip, i) => [`SANDBOX_SERVER_${i + 1}`, ip])),
  DEMO_SECRET: process.env['DEMO_SECRET'] ?? 'demo-secret-value',
  SLIPWAY_KNOWN_HOSTS: sandbox.SANDBOX_KNOWN_HOSTS,
}
const code = await run(deploy, { env, argv: process.argv.slice(2), program: 'npm run demo --' })
if (code === 0) {
  const page = await fetch(`${sandbox.SANDBOX_LB_URL}/version`).then(
    (r) => r.text(),
    (e: Error) => `(no answer: ${e.message})`,
  )
  log(
    `\nThe demo is live at ${sandbox.SANDBOX_LB_URL} (load balancer in front of ${sandbox.SANDBOX_LB_BACKENDS}); /version says ${page}`,
  )
}
process.exitCode = code
