import { describe, expect, test } from 'vitest'
import { Barrier } from '../../lib/run/barrier.ts'
import { HealthcheckError } from '../../lib/errors.ts'

describe('Barrier', () => {
  test('waiters pass once it opens', async () => {
    const barrier = new Barrier()
    const waiting = barrier.wait()
    expect(barrier.open()).toBe(true)
    await expect(waiting).resolves.toBeUndefined()
    await expect(barrier.wait()).resolves.toBeUndefined()
  })

  test('waiters are halted once it closes', async () => {
    const barrier = new Barrier()
    const waiting = barrier.wait()
    expect(barrier.closedBy).toBeUndefined()
    expect(barrier.close()).toBe(true)
    await expect(waiting).rejects.toThrow(HealthcheckError)
    await expect(barrier.wait()).rejects.toThrow('halted at barrier')
    expect(barrier.closedBy).toBe('unhealthy')
  })

  test('the first writer wins: a later close does not halt an open barrier', async () => {
    const barrier = new Barrier()
    expect(barrier.open()).toBe(true)
    expect(barrier.close()).toBe(false)
    expect(barrier.open()).toBe(false)
    expect(barrier.state).toBe('open')
    await expect(barrier.wait()).resolves.toBeUndefined()
  })

  test('an aborted signal releases waiters with an error', async () => {
    const barrier = new Barrier()
    const controller = new AbortController()
    const waiting = barrier.wait(controller.signal)
    controller.abort()
    await expect(waiting).rejects.toThrow(HealthcheckError)
    expect(barrier.state).toBe('waiting')
  })

  test('a primary boot ended without a verdict closes it only when no other primary container is booting', async () => {
    const barrier = new Barrier()
    const lostOne = barrier.booting()
    const other = barrier.booting()
    expect(lostOne.undecided()).toBe(false)
    expect(barrier.state).toBe('waiting')
    other.done()
    expect(barrier.open()).toBe(true)

    const alone = new Barrier()
    const waiting = alone.wait()
    const healthy = alone.booting()
    healthy.done()
    expect(alone.booting().undecided()).toBe(true)
    await expect(waiting).rejects.toThrow('halted at barrier')
    // Closed with no container found unhealthy: the waiting roles say so, not "unhealthy".
    expect(alone.closedBy).toBe('no-verdict')
    // Counted once: a second call changes nothing.
    expect(healthy.undecided()).toBe(false)
  })
})
