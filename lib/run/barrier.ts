import { HealthcheckError } from '../errors.ts'

/**
 * The deployment barrier (Kamal's Healthcheck::Barrier): a one-shot gate that non-primary roles
 * wait at before starting their new container. The first primary-role container to become
 * healthy opens it; the first one to fail closes it. First writer wins, as an IVar.
 */
export class Barrier {
  #state: 'waiting' | 'open' | 'closed' = 'waiting'
  #unhealthy = false
  #booting = 0
  #settle!: (open: boolean) => void
  readonly #decided = new Promise<boolean>((resolve) => (this.#settle = resolve))

  /** Returns true only for the caller that opened it. */
  open(): boolean {
    return this.#decide('open')
  }

  /**
   * A primary container is unhealthy: returns true only for the caller that closed it (that caller
   * shows the failing logs, once).
   */
  close(): boolean {
    const closed = this.#decide('closed')
    if (closed) this.#unhealthy = true
    return closed
  }

  /**
   * Why it closed: a primary container was unhealthy, or none got as far as a health check (its
   * prepare or start failed, its host was lost).
   */
  get closedBy(): 'unhealthy' | 'no-verdict' | undefined {
    if (this.#state !== 'closed') return undefined
    return this.#unhealthy ? 'unhealthy' : 'no-verdict'
  }

  /**
   * A primary-role container starts booting. `done()` once it is healthy or unhealthy (open or close
   * decide then); `undecided()` when its boot ended without a verdict on the new version (its host
   * was lost, its prepare failed): the barrier closes only once no other primary container is still
   * booting to decide it, so the roles waiting at it never wait for nothing.
   */
  booting(): { undecided(): boolean; done(): void } {
    this.#booting++
    let counted = true
    const done = (): void => {
      if (counted) this.#booting--
      counted = false
    }
    return {
      undecided: () => {
        done()
        return this.#booting === 0 && this.#decide('closed')
      },
      done,
    }
  }

  get state(): 'waiting' | 'open' | 'closed' {
    return this.#state
  }

  /** Resolves once open; throws `halted at barrier` once closed or when the signal aborts. */
  async wait(signal?: AbortSignal): Promise<void> {
    let onAbort: (() => void) | undefined
    const aborted = new Promise<false>((resolve) => {
      if (!signal) return
      onAbort = () => resolve(false)
      if (signal.aborted) onAbort()
      else signal.addEventListener('abort', onAbort, { once: true })
    })
    try {
      if (!(await Promise.race([this.#decided, aborted])))
        throw new HealthcheckError('halted at barrier: the first primary-role container is not healthy')
    } finally {
      // Every waiter of a long run adds a listener to the run's one signal: take it off again.
      if (onAbort) signal?.removeEventListener('abort', onAbort)
    }
  }

  #decide(state: 'open' | 'closed'): boolean {
    if (this.#state !== 'waiting') return false
    this.#state = state
    this.#settle(state === 'open')
    return true
  }
}
