// slipway's public API (package.json "exports": `import { … } from 'slipway'`): the entrypoint, every
// task factory and recipe, the context and error types, and the command model for custom tasks.
// It lives here, not in lib/, because lib/ never imports tasks/; it is the one barrel in the repo.

export { main, run, type EntryOptions, type RunOptions } from '../../lib/main.ts'
export type { DeployContext, DeployTask, Flags, Found, Selection } from '../../lib/context.ts'
export type { Config, Role, Env } from '../../lib/config/types.ts'
export type { Executor, Result } from '../../lib/exec/executor.ts'
export { cmd, and, or, pipe, seq, script, render, Secret, type Command } from '../../lib/shell/command.ts'
export * from '../../lib/errors.ts'
export { envFor } from '../../lib/config/env.ts'
export * as naming from '../../lib/commands/naming.ts'

export { pushSteps, deploySteps, redeploySteps, setupSteps } from './recipes.ts'
export { bootstrapServers } from './server.ts'
export { loginRegistryLocally, buildImage, pushImage, buildAndPush } from './build.ts'
export { createBuilder, removeBuilder, builderDetails } from './build-commands.ts'
export { runHook } from './hooks.ts'
export { withLock, acquireLock, releaseLock } from './lock.ts'
export { pullImage, tagLatest, pruneOld } from './app.ts'
export { loginRegistryRemotely, runLoggedIn } from './registry-login.ts'
export { together, type Lane } from './together.ts'
export { bootApp } from './boot.ts'
export {
  bootProxy,
  rebootProxy,
  startProxy,
  stopProxy,
  restartProxy,
  proxyDetails,
  proxyLogs,
  removeProxy,
  proxyHosts,
} from './proxy.ts'
export { onHosts, fanOut, type HostJob } from './fan-out.ts'
export {
  bootAccessory,
  rebootAccessory,
  startAccessory,
  stopAccessory,
  restartAccessory,
  removeAccessory,
} from './accessory.ts'
export { accessoryDetails, accessoryLogs } from './accessory-report.ts'
