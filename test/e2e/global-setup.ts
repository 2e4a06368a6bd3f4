import type { TestProject } from 'vitest/node'
import { sandboxDown, sandboxUp } from '../../sandbox/api.ts'
import { optionsFromEnv } from '../../sandbox/layout.ts'

declare module 'vitest' {
  export interface ProvidedContext {
    /** Every variable of `.sandbox/env`, for tests: `inject('sandboxEnv')`. */
    sandboxEnv: Record<string, string>
  }
}

/**
 * Brings the shared sandbox up once for all e2e tests (reusing a running one) and leaves it up for
 * the next run, unless SANDBOX_KEEP=0. A missing prerequisite fails the run with what to install.
 */
export async function setup(project: TestProject): Promise<() => Promise<void>> {
  const options = optionsFromEnv(process.env)
  const up = await sandboxUp(options, (line) => console.log(`sandbox: ${line}`))
  console.log(`sandbox: ready in ${up.seconds.toFixed(1)}s (${up.env.SANDBOX_SERVERS}; lb ${up.env.SANDBOX_LB_URL})`)
  project.provide('sandboxEnv', { ...up.env })
  // Workers inherit this process's env: tests and the tools they spawn see the sandbox, and docker
  // logins go to the sandbox's own DOCKER_CONFIG, never ~/.docker.
  Object.assign(process.env, up.env)
  return async () => {
    if (process.env.SANDBOX_KEEP === '0') await sandboxDown(options, (line) => console.log(`sandbox: ${line}`))
  }
}
