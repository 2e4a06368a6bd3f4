import { createHash, createHmac } from 'node:crypto'
import { appendFile, mkdir, readFile } from 'node:fs/promises'
import { dirname } from 'node:path'

/** What known_hosts says about a host key: `known` matches, `new` host, `changed`/`revoked` must be refused. */
export type HostKeyStatus =
  | { readonly status: 'known' | 'new' }
  | { readonly status: 'changed' | 'revoked'; readonly line: number; readonly knownType: string }

interface Entry {
  readonly line: number
  readonly marker: string | undefined
  readonly patterns: string
  readonly type: string
  readonly key: string
}

/** The name OpenSSH files a host under: `host` on port 22, `[host]:port` otherwise. */
export const hostKeyName = (host: string, port: number): string => (port === 22 ? host : `[${host}]:${port}`)

/** The key type inside an SSH public key blob (its first length-prefixed string), e.g. `ssh-ed25519`. */
export function keyType(blob: Buffer): string {
  const length = blob.readUInt32BE(0)
  return blob.subarray(4, 4 + length).toString('latin1')
}

/** OpenSSH's `SHA256:…` fingerprint, as `ssh-keygen -lf` prints it. */
export const fingerprint = (blob: Buffer): string =>
  `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`

/** Reads, checks and appends to one known_hosts file; appends are serialised so parallel hosts don't interleave. */
export function knownHosts(file: string) {
  let writes: Promise<void> = Promise.resolve()
  // Read once per run, not twice per host: with N hosts listed, reading per host is N² lines parsed.
  // An append (accept-new) reads it again.
  let parsed: Promise<Entry[]> | undefined

  function entries(): Promise<Entry[]> {
    parsed ??= read()
    // A failed read is not kept: the next host tries again (and reports its own error).
    parsed.catch(() => (parsed = undefined))
    return parsed
  }

  async function read(): Promise<Entry[]> {
    const text = await readFile(file, 'utf8').catch((e: NodeJS.ErrnoException) =>
      e.code === 'ENOENT' ? '' : Promise.reject(e),
    )
    return text.split('\n').flatMap((raw, i) => {
      const fields = raw.trim().split(/\s+/)
      if (!fields[0] || fields[0].startsWith('#')) return []
      const marker = fields[0].startsWith('@') ? fields.shift() : undefined
      const [patterns, type, key] = fields
      return patterns && type && key ? [{ line: i + 1, marker, patterns, type, key }] : []
    })
  }

  /** Entries that name this host (cert-authority lines are not host keys, so they are left out). */
  async function entriesFor(host: string, port: number): Promise<Entry[]> {
    const name = hostKeyName(host, port)
    return (await entries()).filter((e) => e.marker !== '@cert-authority' && matches(e.patterns, name))
  }

  return {
    file,
    /** Key types known for the host, to be preferred in negotiation as OpenSSH does. */
    async knownTypes(host: string, port: number): Promise<string[]> {
      return [...new Set((await entriesFor(host, port)).filter((e) => !e.marker).map((e) => e.type))]
    },
    async check(host: string, port: number, blob: Buffer): Promise<HostKeyStatus> {
      const type = keyType(blob)
      const key = blob.toString('base64')
      const mine = await entriesFor(host, port)
      const revoked = mine.find((e) => e.marker === '@revoked' && e.key === key)
      if (revoked) return { status: 'revoked', line: revoked.line, knownType: revoked.type }
      const plain = mine.filter((e) => !e.marker)
      if (plain.some((e) => e.type === type && e.key === key)) return { status: 'known' }
      // A known host offering a key of another type is refused too: accepting it would let a
      // man in the middle who offers only a new key type pass as "new".
      const other = plain.find((e) => e.type === type) ?? plain[0]
      return other ? { status: 'changed', line: other.line, knownType: other.type } : { status: 'new' }
    },
    /** Appends `name type key` (OpenSSH's accept-new), creating ~/.ssh and the file when missing. */
    add(host: string, port: number, blob: Buffer): Promise<void> {
      const write = async () => {
        await mkdir(dirname(file), { recursive: true, mode: 0o700 })
        const before = await readFile(file, 'utf8').catch(() => '')
        const sep = before === '' || before.endsWith('\n') ? '' : '\n'
        await appendFile(file, `${sep}${hostKeyName(host, port)} ${keyType(blob)} ${blob.toString('base64')}\n`, {
          mode: 0o600,
        })
        parsed = undefined
      }
      writes = writes.then(write, write)
      return writes
    },
  }
}

/** Whether a comma list of known_hosts patterns (plain, `|1|salt|hash`, `*`/`?` globs, `!negated`) names `name`. */
export function matches(patterns: string, name: string): boolean {
  let hit = false
  for (const pattern of patterns.split(',')) {
    const negated = pattern.startsWith('!')
    const p = negated ? pattern.slice(1) : pattern
    if (!matchOne(p, name)) continue
    if (negated) return false
    hit = true
  }
  return hit
}

function matchOne(pattern: string, name: string): boolean {
  if (pattern.startsWith('|1|')) {
    const [, , salt, hash] = pattern.split('|')
    if (!salt || !hash) return false
    return createHmac('sha1', Buffer.from(salt, 'base64')).update(name).digest('base64') === hash
  }
  if (!/[*?]/.test(pattern)) return pattern.toLowerCase() === name.toLowerCase()
  const re = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replaceAll('*', '.*')
    .replaceAll('?', '.')
  return new RegExp(`^${re}$`, 'i').test(name)
}
