import { sandboxDown, sandboxUp } from './api.ts'
import { optionsFromEnv } from './layout.ts'
import { sandboxStatus } from './status.ts'
import { writeRepoDotenv } from './dotenv.ts'

const usage =
  'usage: tsx sandbox/cli.ts up|down|status   (env: SANDBOX_SERVERS=N, SANDBOX_NAME, SANDBOX_SUBNET, SANDBOX_LB_PORT, SANDBOX_LB_BACKENDS)'

/** `up | down | status` for the npm scripts; failures print a message and exit 1. */
async function cli(argv: readonly string[]): Promise<number> {
  const options = optionsFromEnv(process.env)
  const log = (line: string): void => console.log(`sandbox: ${line}`)
  switch (argv[0]) {
    case 'up': {
      const up = await sandboxUp(options, log)
      console.log(
        `sandbox: ready in ${up.seconds.toFixed(1)}s: ${up.env.SANDBOX_SERVERS.split(' ').length} servers, registry ${up.env.SANDBOX_REGISTRY}, lb ${up.env.SANDBOX_LB_URL}`,
      )
      console.log(`sandbox: env in ${up.envFile} (use: . ${up.envFile})`)
      console.log(`sandbox: ${writeRepoDotenv(up.env)}`)
      return 0
    }
    case 'down':
      await sandboxDown(options, log)
      console.log('sandbox: down (images, registry data and keys kept)')
      return 0
    case 'status':
      return (await sandboxStatus(options, (line) => console.log(line))) ? 0 : 1
    default:
      console.error(usage)
      return 2
  }
}

try {
  process.exitCode = await cli(process.argv.slice(2))
} catch (error) {
  console.error(`sandbox: ${error instanceof Error ? error.message : String(error)}`)
  process.exitCode = 1
}
