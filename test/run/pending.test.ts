import { describe, expect, test } from 'vitest'
import { Pending } from '../../lib/run/pending.ts'

const later = <T>(ms: number, value: T, fail = false): Promise<T> =>
  new Promise((resolve, reject) => setTimeout(() => (fail ? reject(value) : resolve(value)), ms))

describe('Pending', () => {
  test("settle(host) waits for that host's work only, and forgets it once settled", async () => {
    const pending = new Pending()
    const ended: string[] = []
    pending.add(
      'a',
      later(30, 'a').then((x) => void ended.push(x)),
    )
    pending.add(
      'b',
      later(60, 'b').then((x) => void ended.push(x)),
    )
    await pending.settle('a')
    expect(ended).toEqual(['a'])
    await pending.settle('a')
    await pending.settle()
    expect(ended).toEqual(['a', 'b'])
  })

  test('a failure is thrown once all of the work ended, and is never an unhandled rejection', async () => {
    const pending = new Pending()
    let slowDone = false
    pending.add('a', later(5, new Error('lost'), true))
    pending.add(
      'a',
      later(40, 'slow').then(() => void (slowDone = true)),
    )
    // Nobody waits yet: the rejection must not surface as unhandled (vitest would fail the run).
    await later(20, undefined)
    await expect(pending.settle()).rejects.toThrow('lost')
    expect(slowDone).toBe(true)
    await expect(pending.settle()).resolves.toBeUndefined()
  })
})
