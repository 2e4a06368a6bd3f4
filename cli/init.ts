import { defineCommand } from '../lib/cli/command.ts'
import { scaffold, type ScaffoldStep } from '../lib/build/init.ts'

/**
 * `slipway init`: Kamal's `init`, made for a plugin. There is no config yet, so it takes none of
 * the shared flags; every file that exists is kept, and said so.
 */
export const init = defineCommand({
  name: 'init',
  sharedFlags: false,
  help: [
    '  writes deploy.yml (unless config/deploy.yml exists), .env.example, .env in .gitignore,',
    '  hooks/*.sample and tasks/deploy.ts, push.ts, redeploy.ts; existing files are kept',
  ],
  run: async (_, io) => io.out(scaffold({ cwd: io.cwd }).map(say).join('')),
})

const say = ({ file, action }: ScaffoldStep): string =>
  file === '.gitignore' && action !== 'created'
    ? action === 'updated'
      ? 'Added .env to .gitignore\n'
      : 'Kept .gitignore (already ignores .env)\n'
    : `${action === 'created' ? 'Created' : 'Kept'} ${file}${action === 'kept' ? ' (already exists)' : ''}\n`
