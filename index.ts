// slipway's public API (package.json "exports": `import { … } from 'slipway'`): the entrypoint, every
// task factory and recipe, the context and error types, and the command model for custom tasks.
// It sits at the package root because it gathers lib/ and tasks/steps/; it is the one barrel in the repo.

export { main, run, type RunOptions } from './lib/main.ts'
export {
  defineCommand,
  type CliCommand,
  type RecipeCommand,
  type LocalCommand,
  type Invocation,
  type OptionSpecs,
  type OptionValues,
} from './lib/cli/command.ts'
export type { DeployContext, DeployTask, Flags, RunReport, SessionState, Selection } from './lib/context.ts'
export type { Config, Role, Env } from './lib/config/types.ts'
export type { Executor, Result } from './lib/exec/executor.ts'
export { cmd, and, or, pipe, seq, script, render, Secret, type Command } from './lib/shell/command.ts'
export { template, type TemplateValue } from './lib/shell/template.ts'
export { remoteShell, ShellOutput, type RemoteShell, type ShellOptions } from './tasks/steps/shell.ts'
// Local steps use zx's own `$` (per-call cwd and env: `$({ cwd: ctx.config.root })\`npm run build\``).
export { $ } from 'zx'
export * from './lib/errors.ts'
export { envFor } from './lib/config/env.ts'
export * as naming from './lib/commands/naming.ts'

export { pushSteps, deploySteps, redeploySteps, setupSteps } from './tasks/steps/recipes.ts'
export { bootstrapServers } from './tasks/steps/server.ts'
export { loginRegistryLocally, buildImage, pushImage, buildAndPush } from './tasks/steps/build.ts'
export { createBuilder, removeBuilder, builderDetails } from './tasks/steps/build-commands.ts'
export { runHook } from './tasks/steps/hooks.ts'
export { withLock, acquireLock, releaseLock } from './tasks/steps/lock.ts'
export { pullImage, tagLatest, pruneOld, tagAndPrune } from './tasks/steps/app.ts'
export { loginRegistryRemotely, runLoggedIn } from './tasks/steps/registry-login.ts'
export { together, type Lane } from './tasks/steps/together.ts'
export { bootApp } from './tasks/steps/boot.ts'
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
} from './tasks/steps/proxy.ts'
export { onHosts, fanOut, type HostJob } from './tasks/steps/fan-out.ts'
export {
  bootAccessory,
  rebootAccessory,
  startAccessory,
  stopAccessory,
  restartAccessory,
  removeAccessory,
} from './tasks/steps/accessory.ts'
export { accessoryDetails, accessoryLogs } from './tasks/steps/accessory-report.ts'
