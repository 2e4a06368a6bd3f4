import { COMMANDS } from './commands.ts'
import { packageVersion } from './package-version.ts'

/** Where `slipway` runs and writes (default: the process's cwd and env; lines to stderr, reports to stdout). */
export interface SlipwayIo {
  readonly cwd?: string
  readonly env?: NodeJS.ProcessEnv
  readonly write?: (line: string) => void
  readonly out?: (text: string) => void
}

/** `slipway WORD [args] [flags]`: runs the command registered for WORD; resolves to the exit code. */
export async function slipway(argv: readonly string[], io: SlipwayIo = {}): Promise<number> {
  const write = io.write ?? ((line: string) => process.stderr.write(`${line}\n`))
  const out = io.out ?? ((text: string) => process.stdout.write(text))
  const [word, ...rest] = argv
  if (word === '--version') {
    out(`${packageVersion()}\n`)
    return 0
  }
  if (word === '--help' || word === 'help') {
    out(`${help()}\n`)
    return 0
  }
  if (word === undefined) {
    write(help())
    return 1
  }
  const registered = COMMANDS.find((c) => c.name === word)
  if (!registered) {
    write(`error: unknown command ${word}: use one of ${COMMANDS.map((c) => c.name).join(', ')} (see slipway --help)`)
    return 1
  }
  // The run machinery loads after the word is known: `--version` and `--help` need none of it.
  const [{ run }, command] = await Promise.all([import('../lib/main.ts'), registered.load()])
  return run(command, { ...io, argv: rest, program: `slipway ${word}`, write, out })
}

function help(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length))
  return [
    'usage: slipway COMMAND [args] [flags]   (slipway COMMAND --help for its flags)',
    '',
    'commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    '  --version  print the version of slipway',
  ].join('\n')
}
