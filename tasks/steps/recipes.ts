import type { DeployTask } from '../../lib/context.ts'
import { buildImage, loginRegistryLocally, pushImage } from './build.ts'
import { runHook } from './hooks.ts'
import { withLock } from './lock.ts'
import { bootApp } from './boot.ts'
import { pullImage, tagAndPrune, tagLatest } from './app.ts'
import { loginRegistryRemotely } from './registry-login.ts'
import { bootProxy } from './proxy.ts'
import { bootstrapServers } from './server.ts'
import { checkSecrets } from './secrets.ts'
import { together } from './together.ts'

// The lists users copy and rearrange: one factory call per line, no logic.

/** Build from a clean clone and push, touching no server. */
export const pushSteps = (): DeployTask[] => [
  loginRegistryLocally(),
  runHook('pre-build'),
  buildImage(),
  pushImage(),
  runHook('post-push'),
]

/** The whole deploy: build → push (while connecting) → pull → (lock) → proxy → boot → tag latest and prune. */
export const deploySteps = (): DeployTask[] => [
  checkSecrets('registry', 'app', 'proxy'),
  together('Build and connect', [
    { title: 'Build and push', steps: pushSteps() },
    { title: 'Connect', steps: [runHook('pre-connect'), loginRegistryRemotely()] },
  ]),
  pullImage(),
  withLock([runHook('pre-deploy'), bootProxy(), bootApp(), tagAndPrune()]),
  runHook('post-deploy'),
]

/** Deploy without building: the image must already be in the registry (`--skip-push` does the same). */
export const redeploySteps = (): DeployTask[] => [
  checkSecrets('registry', 'app'),
  runHook('pre-connect'),
  pullImage(),
  withLock([runHook('pre-deploy'), bootApp(), tagLatest()]),
  runHook('post-deploy'),
]

/** First deploy to fresh servers (Kamal's `setup`): Docker and run directory on every host, the docker-setup hook, then the deploy. */
export const setupSteps = (): DeployTask[] => [
  checkSecrets('registry', 'app', 'proxy'),
  runHook('pre-connect'),
  withLock([
    bootstrapServers(),
    runHook('docker-setup'),
    ...pushSteps(),
    pullImage(),
    runHook('pre-deploy'),
    bootProxy(),
    bootApp(),
    tagAndPrune(),
  ]),
  runHook('post-deploy'),
]
