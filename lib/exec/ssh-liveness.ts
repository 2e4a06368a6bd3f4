import type { Client } from 'ssh2'

/**
 * How long a host may stay silent: a keepalive every `interval` ms, and a host that leaves `count`
 * of them in a row unanswered is lost (OpenSSH's ServerAliveInterval × ServerAliveCountMax). A host
 * that stops answering (a frozen VM, a cut network: no FIN, no RST, TCP just waits) is declared lost
 * within interval × count, instead of the minutes TCP itself would take.
 */
export interface Liveness {
  readonly interval: number
  readonly count: number
}

/** 5 s × 3: a silent host is lost after 15 s; a Ctrl-C waits at most 5 s for one. */
export const DEFAULT_LIVENESS: Liveness = { interval: 5_000, count: 3 }

/** ssh2's options for `liveness`: ssh2 gives up after count + 1 unanswered keepalives, OpenSSH after count. */
export const keepaliveOptions = ({ interval, count }: Liveness) => ({
  keepaliveInterval: interval,
  keepaliveCountMax: Math.max(0, count - 1),
})

/** Why a connection that ssh2 ended with `error` is lost, in the user's terms. */
export function lostReason(error: Error & { level?: string }, { interval, count }: Liveness): string {
  if (/keepalive timeout/i.test(error.message))
    return `no answer to ${count} keepalive${count === 1 ? '' : 's'} in ${(interval * count) / 1000} s`
  return error.message
}

/**
 * Resolves true once the server answers a request on `client`, false after `ms` without an answer.
 * The request is a cancel-tcpip-forward of a forward that does not exist: a global request every
 * server answers at once (with a refusal), which ssh2's public API can send and wait for.
 */
export function answers(client: Client, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms)
    try {
      client.unforwardIn('127.0.0.1', 0, (error?: Error | null) => {
        clearTimeout(timer)
        // ssh2 answers pending requests with "No response from server" when the connection closes.
        resolve(!/no response/i.test(error?.message ?? ''))
      })
    } catch {
      // not connected any more: nothing will answer
      clearTimeout(timer)
      resolve(false)
    }
  })
}
