import { defineCommand } from '../lib/cli/command.ts'
import { scaffold } from '../lib/build/init.ts'

/**
 * `slipway init`: Kamal's `init`, made for a plugin. There is no config yet, so it takes none of
 * the shared flags; every file that exists is kept, and said so.
 */
export const init = defineCommand({
  name: 'init',
  sharedFlags: false,
  help: ['  writes deploy.yml, .env.example and hooks/*.sample in the current directory; existing files are kept'],
  run: async (_, io) => {
    const { created, kept } = scaffold({ cwd: io.cwd })
    io.out(
      [...created.map((file) => `Created ${file}\n`), ...kept.map((file) => `Kept ${file} (already exists)\n`)].join(
        '',
      ),
    )
  },
})
