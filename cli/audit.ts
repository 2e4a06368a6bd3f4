import { defineCommand } from '../lib/cli/command.ts'
import { showAudit } from '../tasks/steps/audit.ts'

/** `slipway audit`: the last 50 lines of the audit log on every host (Kamal's `audit`). */
export const audit = defineCommand({ name: 'audit', recipe: () => [showAudit()] })
