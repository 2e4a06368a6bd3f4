import { readFile } from 'node:fs/promises'
import { homedir } from 'node:os'
import { join } from 'node:path'
// ssh2 is CommonJS: Node's ESM loader sees only its default export (vitest hides this; tsx does not).
import ssh2, { type AnyAuthMethod } from 'ssh2'
import { SshError } from '../errors.ts'
import type { Secret } from '../shell/command.ts'

/** Where keys come from: `ssh.keys`/`ssh.key_data`/`ssh.keys_only`, plus injectable defaults for tests. */
export interface AuthSources {
  readonly keys: readonly string[]
  readonly keyData: readonly Secret[]
  readonly keysOnly: boolean
  /** Tried when `keys` is empty; defaults to the `~/.ssh/id_{ed25519,ecdsa,rsa}` files that exist. */
  readonly identityFiles?: readonly string[] | undefined
  /** `SSH_AUTH_SOCK`; `undefined` or '' means no agent. */
  readonly agent?: string | undefined
}

/** The private keys to offer, read once per run. Configured keys must be usable; default ones are skipped if not. */
export async function loadKeys(sources: AuthSources): Promise<Buffer[]> {
  const home = homedir()
  const configured = sources.keys.length > 0
  const files = configured
    ? sources.keys.map((k) => (k === '~' || k.startsWith('~/') ? join(home, k.slice(1)) : k))
    : (sources.identityFiles ?? ['id_ed25519', 'id_ecdsa', 'id_rsa'].map((f) => join(home, '.ssh', f)))
  const keys: Buffer[] = []
  for (const file of files) {
    let data: Buffer
    try {
      data = await readFile(file)
    } catch (cause) {
      if (!configured) continue
      throw new SshError(`cannot read ssh key ${file}: ${(cause as Error).message}`, { cause })
    }
    const parsed = ssh2.utils.parseKey(data)
    if (parsed instanceof Error) {
      // Typically a passphrase-protected key: those are for ssh-agent, which is tried first.
      if (!configured) continue
      throw new SshError(
        `cannot use ssh key ${file}: ${parsed.message} (load passphrase-protected keys into ssh-agent)`,
      )
    }
    keys.push(data)
  }
  for (const [i, secret] of sources.keyData.entries()) {
    const data = Buffer.from(secret.value)
    // The key's own text is never quoted back: only its position in ssh.key_data.
    if (ssh2.utils.parseKey(data) instanceof Error)
      throw new SshError(`cannot use ssh.key_data[${i}]: not an unencrypted private key`)
    keys.push(data)
  }
  return keys
}

/** Auth methods in OpenSSH's order: the agent first (unless keys_only), then each key. */
export function authMethods(username: string, keys: readonly Buffer[], sources: AuthSources): AnyAuthMethod[] {
  const agent: AnyAuthMethod[] =
    sources.agent && !sources.keysOnly ? [{ type: 'agent', username, agent: sources.agent }] : []
  return [...agent, ...keys.map((key): AnyAuthMethod => ({ type: 'publickey', username, key }))]
}
