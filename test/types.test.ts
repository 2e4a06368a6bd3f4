import { expectTypeOf, test } from 'vitest'
import type { ListrTask } from 'listr2'
import { bootApp, deploySteps, pushSteps, runHook, withLock, main, type DeployContext, type DeployTask } from 'slipway'

// The public API's shapes: recipes are plain arrays of listr2 tasks over one typed context.
test('recipes and factories are listr2 tasks over DeployContext', () => {
  expectTypeOf(deploySteps()).toEqualTypeOf<DeployTask[]>()
  expectTypeOf(pushSteps()).toEqualTypeOf<DeployTask[]>()
  expectTypeOf(bootApp()).toEqualTypeOf<DeployTask>()
  expectTypeOf(withLock([bootApp()])).toEqualTypeOf<DeployTask>()
  expectTypeOf<DeployTask>().toEqualTypeOf<ListrTask<DeployContext>>()
  expectTypeOf(runHook)
    .parameter(0)
    .toEqualTypeOf<
      | 'pre-connect'
      | 'pre-build'
      | 'post-push'
      | 'pre-deploy'
      | 'post-deploy'
      | 'pre-traefik-reboot'
      | 'post-traefik-reboot'
      | 'pre-proxy-reboot'
      | 'post-proxy-reboot'
      | 'docker-setup'
    >()
  expectTypeOf(main).returns.toEqualTypeOf<Promise<void>>()
})
