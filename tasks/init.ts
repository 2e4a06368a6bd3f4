import { scaffold } from '../lib/build/init.ts'

// Kamal's `init`: no config exists yet, so this does not go through main()'s config loading.
const args = process.argv.slice(2)
if (args.length > 0) {
  process.stderr.write(
    `usage: npx tsx tasks/init.ts\nwrites deploy.yml, .env.example and hooks/*.sample in the current directory; existing files are kept\n`,
  )
  process.exitCode = args.includes('--help') ? 0 : 1
} else {
  try {
    const { created, kept } = scaffold({ cwd: process.cwd() })
    const lines = [...created.map((file) => `Created ${file}`), ...kept.map((file) => `Kept ${file} (already exists)`)]
    process.stdout.write(`${lines.join('\n')}\n`)
  } catch (error) {
    process.stderr.write(`error: ${(error as Error).message}\n`)
    process.exitCode = 1
  }
}
