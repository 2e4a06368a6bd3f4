import { Writable } from 'node:stream'
import { Listr } from 'listr2'
import { describe, expect, test } from 'vitest'
import { listrOutput } from '../../lib/run/terminal.ts'
import { Secret } from '../../lib/shell/command.ts'

/** A stream that is not a terminal (a pipe, a CI log), keeping what is written. */
function pipe(): { stream: NodeJS.WriteStream; text: () => string } {
  let text = ''
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      text += chunk.toString()
      done()
    },
  }) as unknown as NodeJS.WriteStream
  return { stream, text: () => text }
}

const flags = { dryRun: false, quiet: false, verbose: false }

describe('listrOutput', () => {
  test('off a terminal: timestamped lines without colours, secrets scrubbed', async () => {
    const out = pipe()
    const options = listrOutput({ ...flags, stream: out.stream, env: {}, secrets: [new Secret('s3cr3t-value')] })
    expect(options.renderer).toBe('default')
    expect(options.fallbackRendererCondition).toBe(true)
    await new Listr(
      [{ title: '\x1b[31mBuild\x1b[39m', task: (_, task) => void (task.output = 'token=s3cr3t-value') }],
      { ...options, registerSignalListeners: false },
    ).run()
    const lines = out.text().trimEnd().split('\n')
    expect(lines.length).toBeGreaterThanOrEqual(2)
    for (const line of lines) expect(line).toMatch(/^. \[\d\d:\d\d:\d\d\] /)
    expect(out.text()).not.toMatch(/\x1b/)
    expect(out.text()).toContain('Build')
    expect(out.text()).toContain('token=[REDACTED]')
    expect(out.text()).not.toContain('s3cr3t-value')
  })

  test('a dumb terminal gets lines too; -q and --dry-run are silent; -v is verbose', () => {
    const tty = Object.assign(pipe().stream, { isTTY: true })
    expect(listrOutput({ ...flags, stream: tty, env: { TERM: 'xterm' } }).fallbackRendererCondition).toBe(false)
    expect(listrOutput({ ...flags, stream: tty, env: { TERM: 'dumb' } }).fallbackRendererCondition).toBe(true)
    expect(listrOutput({ ...flags, quiet: true, env: {} }).renderer).toBe('silent')
    // Silent off a terminal too: listr2's fallback would print every line.
    expect(listrOutput({ ...flags, quiet: true, stream: pipe().stream, env: {} }).fallbackRendererCondition).toBe(false)
    expect(listrOutput({ ...flags, dryRun: true, env: {} }).renderer).toBe('silent')
    expect(listrOutput({ ...flags, verbose: true, env: {} }).renderer).toBe('verbose')
    expect(listrOutput({ ...flags, renderer: 'test', env: {} }).renderer).toBe('test')
  })
})
