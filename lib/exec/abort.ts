import { setTimeout as sleep } from 'node:timers/promises'
import { CancelledError } from '../errors.ts'

/** Waits `ms`, or rejects with CancelledError as soon as `signal` aborts. */
export const delay = (ms: number, signal: AbortSignal | undefined): Promise<void> =>
  sleep(ms, undefined, { signal }).catch(() => Promise.reject(new CancelledError('cancelled')))

/** `promise`, or a CancelledError as soon as `signal` aborts (the promise itself runs on, e.g. a shared connect). */
export function abortable<T>(promise: Promise<T>, signal: AbortSignal | undefined, message: () => string): Promise<T> {
  if (!signal) return promise
  if (signal.aborted) return Promise.reject(new CancelledError(message()))
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new CancelledError(message()))
    signal.addEventListener('abort', onAbort, { once: true })
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort))
  })
}
