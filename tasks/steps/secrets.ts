import type { DeployTask } from '../../lib/context.ts'
import { missingFor, requireSecrets, type SecretScope } from '../../lib/config/secrets.ts'

/**
 * Stops the run before it changes anything when a secret it uses is not set, naming every one
 * at once. Shown only when something is missing; a dry run warns instead, as the config is
 * printed without secrets too.
 */
export const checkSecrets = (...scopes: SecretScope[]): DeployTask => ({
  title: 'Check the secrets this run uses are set',
  enabled: (ctx) => missingFor(ctx.config, scopes).length > 0,
  task: (ctx) => {
    if (!ctx.flags.dryRun) return requireSecrets(ctx.config, scopes)
    const names = [...new Set(missingFor(ctx.config, scopes).map((m) => m.name))]
    ctx.report.warnings.push(`secrets not set: ${names.join(', ')} (a real run stops before changing anything)`)
  },
})
