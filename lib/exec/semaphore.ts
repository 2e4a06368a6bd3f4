import { CancelledError } from '../errors.ts'

/** A counting semaphore: at most `size` holders at once, the rest wait in FIFO order. */
export interface Semaphore {
  /** Resolves with a release function once a slot is free; rejects with CancelledError if `signal` aborts first. */
  acquire(signal?: AbortSignal): Promise<() => void>
  /** Holders right now. */
  readonly active: number
  /** The most holders seen at once (benchmarks and tests read it). */
  readonly peak: number
}

/** `semaphore(8)`: used for SSH connection starts (`max_concurrent_starts`) and channels per connection. */
export function semaphore(size: number): Semaphore {
  if (!(size >= 1)) throw new RangeError(`semaphore size must be at least 1, got ${size}`)
  let active = 0
  let peak = 0
  const waiting: (() => void)[] = []

  const grant = (): (() => void) => {
    active++
    peak = Math.max(peak, active)
    let released = false
    return () => {
      if (released) return
      released = true
      active--
      waiting.shift()?.()
    }
  }

  function acquire(signal?: AbortSignal): Promise<() => void> {
    if (signal?.aborted) return Promise.reject(new CancelledError('cancelled'))
    if (active < size) return Promise.resolve(grant())
    return new Promise((resolve, reject) => {
      const wake = () => {
        signal?.removeEventListener('abort', onAbort)
        resolve(grant())
      }
      const onAbort = () => {
        waiting.splice(waiting.indexOf(wake), 1)
        reject(new CancelledError('cancelled'))
      }
      waiting.push(wake)
      signal?.addEventListener('abort', onAbort, { once: true })
    })
  }

  return {
    acquire,
    get active() {
      return active
    },
    get peak() {
      return peak
    },
  }
}
