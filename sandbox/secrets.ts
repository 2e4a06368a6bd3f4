import { randomBytes } from 'node:crypto'
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Layout } from './layout.ts'
import { run } from './run.ts'

/** Paths of the keys, certificates and credentials of one instance; all persist across down/up. */
export interface SecretPaths {
  readonly sshKey: string
  readonly serverSshDir: string
  readonly knownHosts: string
  readonly tlsDir: string
  readonly caCert: string
  readonly certsD: string
  readonly htpasswd: string
  readonly passwordFile: string
}

/** The registry user every sandbox uses. */
export const REGISTRY_USER = 'slipway'

/** Where the secrets of an instance live. */
export const secretPaths = (l: Layout): SecretPaths => ({
  sshKey: join(l.dir, 'ssh', 'id_ed25519'),
  serverSshDir: join(l.dir, 'ssh', 'server'),
  knownHosts: join(l.dir, 'ssh', 'known_hosts'),
  tlsDir: join(l.dir, 'tls'),
  caCert: join(l.dir, 'tls', 'ca.crt'),
  certsD: join(l.dir, 'tls', 'certs.d'),
  htpasswd: join(l.dir, 'registry', 'htpasswd'),
  passwordFile: join(l.dir, 'registry', 'password'),
})

/**
 * Creates (once) the client key, the servers' host key + authorized_keys, the registry CA and leaf
 * certificate for the gateway address, and the registry password with its bcrypt (cost 5) htpasswd.
 */
export async function ensureSecrets(l: Layout): Promise<SecretPaths> {
  const p = secretPaths(l)
  for (const d of [join(l.dir, 'ssh'), p.serverSshDir, p.tlsDir, join(p.certsD, l.registry), join(l.dir, 'registry')]) {
    mkdirSync(d, { recursive: true, mode: 0o700 })
  }
  if (!existsSync(p.sshKey))
    await run(['ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-C', `${l.name}`, '-f', p.sshKey])
  const hostKey = join(p.serverSshDir, 'ssh_host_ed25519_key')
  if (!existsSync(hostKey))
    await run(['ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-C', `${l.name}-host`, '-f', hostKey])
  // sshd's StrictModes refuses an authorized_keys that others can write; 0644 root-owned is what it wants.
  writeFileSync(join(p.serverSshDir, 'authorized_keys'), readFileSync(`${p.sshKey}.pub`), { mode: 0o644 })
  const hostPub = readFileSync(`${hostKey}.pub`, 'utf8').trim().split(' ').slice(0, 2).join(' ')
  const builderPort = `[${l.builder.ip}]:${l.builder.port} ${hostPub}\n`
  writeFileSync(p.knownHosts, `${l.servers.map((s) => `${s.ip} ${hostPub}\n`).join('')}${builderPort}`)

  await ensureTls(l, p)
  if (!existsSync(p.passwordFile)) {
    writeFileSync(p.passwordFile, randomBytes(18).toString('base64url'), { mode: 0o600 })
  }
  const password = readPassword(p)
  // -i reads the password from stdin, so it never shows in `ps`; cost 5 keeps every registry request cheap.
  const { stdout } = await run(['htpasswd', '-niB', '-C', '5', REGISTRY_USER], { input: `${password}\n` })
  writeFileSync(p.htpasswd, stdout, { mode: 0o600 })
  return p
}

/** The registry password of an instance. */
export const readPassword = (p: SecretPaths): string => readFileSync(p.passwordFile, 'utf8').trim()

async function ensureTls(l: Layout, p: SecretPaths): Promise<void> {
  const caKey = join(p.tlsDir, 'ca.key')
  const key = join(p.tlsDir, 'registry.key')
  const crt = join(p.tlsDir, 'registry.crt')
  if (!existsSync(p.caCert)) {
    await run([
      'openssl',
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-days',
      '3650',
      '-subj',
      `/CN=${l.name} sandbox CA`,
      '-keyout',
      caKey,
      '-out',
      p.caCert,
    ])
  }
  const csr = join(p.tlsDir, 'registry.csr')
  const ext = join(p.tlsDir, 'registry.ext')
  const extension = `subjectAltName=IP:${l.gateway},IP:127.0.0.1\nextendedKeyUsage=serverAuth\n`
  // An instance brought up again on another subnet needs a leaf for its new gateway address.
  const sameAddress = existsSync(ext) && readFileSync(ext, 'utf8') === extension
  if (!existsSync(crt) || !sameAddress) {
    writeFileSync(ext, extension)
    await run([
      'openssl',
      'req',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-subj',
      `/CN=${l.gateway}`,
      '-keyout',
      key,
      '-out',
      csr,
    ])
    await run([
      'openssl',
      'x509',
      '-req',
      '-in',
      csr,
      '-CA',
      p.caCert,
      '-CAkey',
      caKey,
      '-CAcreateserial',
      '-days',
      '3650',
      '-extfile',
      ext,
      '-out',
      crt,
    ])
    for (const f of [csr, ext, join(p.tlsDir, 'ca.srl')]) rmSync(f, { force: true })
  }
  chmodSync(key, 0o600)
  writeFileSync(join(p.certsD, l.registry, 'ca.crt'), readFileSync(p.caCert))
}
