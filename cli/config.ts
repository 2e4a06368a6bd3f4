import { defineCommand } from '../lib/cli/command.ts'
import { showConfig } from '../lib/cli/show-config.ts'

/** `slipway config [--json]`: the resolved config as `kamal config` prints it, secrets redacted. */
export const config = defineCommand({
  name: 'config',
  options: { json: { type: 'boolean' } },
  help: ['      --json               print JSON instead of YAML'],
  run: async ({ flags, options }, io) =>
    io.out(
      await showConfig({
        cwd: io.cwd,
        env: io.env,
        flags,
        json: options.json,
        warn: (message) => io.write(`warning: ${message}`),
      }),
    ),
})
