import { HealthcheckError } from '../errors.ts'

/**
 * The deployment barrier (Kamal's Healthcheck::Barrier): a one-shot gate that non-primary roles
 * wait at before starting their new container. The first primary-role container to become
 * healthy opens it; the first one to fail closes it. First writer wins, as an IVar.
 */
export class Barrier {
  #state: 'waiting' | 'open' | 'closed' = 'waiting'
  #settle!: (open: boolean) => void
  readonly #decided = new Promise<boolean>((resolve) => (this.#settle = resolve))

  /** Returns true only for the caller that opened it. */
  open(): boolean {
    return this.#decide('open')
  }

  /** Returns true only for the caller that closed it (that caller shows the failing logs, once). */
  close(): boolean {
    return this.#decide('closed')
  }

  get state(): 'waiting' | 'open' | 'closed' {
    return this.#state
  }

  /** Resolves once open; throws `halted at barrier` once closed or when the signal aborts. */
  async wait(signal?: AbortSignal): Promise<void> {
    const open = await (signal ? Promise.race([this.#decided, aborted(signal)]) : this.#decided)
    if (!open) throw new HealthcheckError('halted at barrier: the first primary-role container is not healthy')
  }

  #decide(state: 'open' | 'closed'): boolean {
    if (this.#state !== 'waiting') return false
    this.#state = state
    this.#settle(state === 'open')
    return true
  }
}

const aborted = (signal: AbortSignal): Promise<false> =>
  new Promise((resolve) => (signal.aborted ? resolve(false) : signal.addEventListener('abort', () => resolve(false), { once: true })))
