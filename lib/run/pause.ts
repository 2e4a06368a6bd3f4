/**
 * Waits `seconds`, or less if `signal` aborts (it never throws): for the few waits nothing can
 * confirm, such as `boot.wait` between host groups and Kamal's traefik delay without its API.
 */
export const pause = (seconds: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    if (signal?.aborted) return resolve()
    const done = (): void => {
      clearTimeout(timer)
      signal?.removeEventListener('abort', done)
      resolve()
    }
    const timer = setTimeout(done, seconds * 1000)
    signal?.addEventListener('abort', done, { once: true })
  })
