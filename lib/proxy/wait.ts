/** Kamal's TRAEFIK_UPDATE_DELAY: seconds it waits for traefik to notice a health change, used only when traefik's API cannot confirm. */
export const TRAEFIK_UPDATE_DELAY = 5

/** Waits `seconds`, or less if `signal` aborts: the one fixed wait, used only when nothing can confirm. */
export const delay = (seconds: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    if (signal?.aborted) return resolve()
    const timer = setTimeout(resolve, seconds * 1000)
    signal?.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true })
  })
