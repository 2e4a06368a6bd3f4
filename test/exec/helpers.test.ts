import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { expect, test } from 'vitest'
import { CancelledError } from '../../lib/errors.ts'
import { abortable, delay } from '../../lib/exec/abort.ts'
import { lineSplitter, scrub, scrubbedLines } from '../../lib/exec/output.ts'
import { semaphore } from '../../lib/exec/semaphore.ts'
import { Secret } from '../../lib/shell/command.ts'

test('lineSplitter: lines across chunks, CRLF, a UTF-8 character split between chunks, a last line without newline', () => {
  const lines: string[] = []
  const s = lineSplitter((l) => lines.push(l))
  const text = Buffer.from('ab\r\ncd\nü')
  s.push(text.subarray(0, 3))
  s.push(text.subarray(3, text.length - 1)) // splits the two bytes of ü
  s.push(text.subarray(text.length - 1))
  s.push('\nend')
  expect(lines).toEqual(['ab', 'cd', 'ü'])
  s.flush()
  expect(lines).toEqual(['ab', 'cd', 'ü', 'end'])
})

test('scrub replaces every secret value, longest first; empty secrets are ignored', () => {
  const secrets = [new Secret('pass'), new Secret('password1'), new Secret('')]
  expect(scrub('password1 and pass, pass', secrets)).toBe('[REDACTED] and [REDACTED], [REDACTED]')
  const seen: string[] = []
  scrubbedLines((l) => seen.push(l), secrets)!('my pass')
  expect(seen).toEqual(['my [REDACTED]'])
  expect(scrubbedLines(undefined, secrets)).toBeUndefined()
})

test('semaphore: at most n holders, FIFO, peak, abort while waiting', async () => {
  const s = semaphore(2)
  const order: number[] = []
  const r1 = await s.acquire()
  const r2 = await s.acquire()
  expect([s.active, s.peak]).toEqual([2, 2])
  const ac = new AbortController()
  const w3 = s.acquire().then((r) => (order.push(3), r))
  const w4 = s.acquire(ac.signal)
  const w5 = s.acquire().then((r) => (order.push(5), r))
  ac.abort()
  await expect(w4).rejects.toBeInstanceOf(CancelledError)
  r1()
  r1() // a second release is a no-op
  const r3 = await w3
  expect(s.active).toBe(2)
  r2()
  const r5 = await w5
  expect(order).toEqual([3, 5])
  r3()
  r5()
  expect([s.active, s.peak]).toEqual([0, 2])
  await expect(s.acquire(AbortSignal.abort())).rejects.toBeInstanceOf(CancelledError)
  expect(() => semaphore(0)).toThrow(RangeError)
})

test('abortable and delay reject with CancelledError on abort', async () => {
  const ac = new AbortController()
  const never = new Promise<never>(() => {})
  const waiting = abortable(never, ac.signal, () => 'stopped')
  const sleeping = delay(10_000, ac.signal)
  ac.abort()
  await expect(waiting).rejects.toThrow(new CancelledError('stopped'))
  await expect(sleeping).rejects.toBeInstanceOf(CancelledError)
  await expect(abortable(Promise.resolve(1), undefined, () => '')).resolves.toBe(1)
})

test('the executors load under plain Node ESM (tsx), not only through vitest transforms', async () => {
  const code = `Promise.all(['ssh', 'local', 'recorder', 'upload'].map((f) => import('./lib/exec/' + f + '.ts'))).then((m) => console.log(m.map((x) => Object.keys(x).sort().join(',')).join(' ')))`
  const { stdout } = await promisify(execFile)('npx', ['tsx', '--eval', code], {
    cwd: new URL('../..', import.meta.url).pathname,
  })
  expect(stdout.trim()).toBe('sshPool KILL_AFTER_MS,localExecutor recorder writeFile,writeFileCommand')
}, 30_000)
