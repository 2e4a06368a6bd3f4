/**
 * Work a step starts and leaves running for a later step to see through, per host. A boot's stop
 * of the old containers is the case: the tag and the prune that follow do not need it finished (the
 * prune counts the containers being stopped as stopped, and leaves them to the next prune), so they
 * start as soon as every new container is healthy, and each host's tag step waits for its host's
 * stops; the lock's release and the end of the run wait for all of them.
 */
export class Pending {
  readonly #byHost = new Map<string, Promise<unknown>[]>()
  readonly #stopping = new Map<string, string[]>()

  /**
   * Adds work on `host`, and the containers it stops (a prune beside it counts them as stopped). A
   * failure waits for whoever settles it (it is never an unhandled rejection).
   */
  add(host: string, work: Promise<unknown>, stopping: readonly string[] = []): void {
    work.catch(() => undefined)
    this.#byHost.set(host, [...(this.#byHost.get(host) ?? []), work])
    this.#stopping.set(host, [...(this.#stopping.get(host) ?? []), ...stopping])
  }

  /** The containers `host`'s unsettled work stops. */
  stopping(host: string): readonly string[] {
    return this.#stopping.get(host) ?? []
  }

  /** Waits for `host`'s work (every host's without one), then throws the first failure, if any; settled work is forgotten. */
  async settle(host?: string): Promise<void> {
    const hosts = host === undefined ? [...this.#byHost.keys()] : [host]
    const work = hosts.flatMap((h) => this.#byHost.get(h) ?? [])
    for (const h of hosts) {
      this.#byHost.delete(h)
      this.#stopping.delete(h)
    }
    const failed = (await Promise.allSettled(work)).find((r) => r.status === 'rejected')
    if (failed) throw failed.reason
  }
}
