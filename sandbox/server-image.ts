import { createHash } from 'node:crypto'
import {
  appendFileSync,
  chmodSync,
  chownSync,
  cpSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { REPO_ROOT } from './layout.ts'
import { docker, run } from './run.ts'

// The host's private keys stay on the host.
const PRIVATE = /^\/etc\/(ssl\/private|ssh\/ssh_host_)/
const SOURCES = ['sandbox/server/start.sh', 'sandbox/server/sshd_config', 'sandbox/server/sshd_builder_config']
// Host files a server must not inherit: they are the host's identity or docker's to write.
const ETC_EXCLUDES = [
  'docker',
  'fstab',
  'hostname',
  'hosts',
  'resolv.conf',
  'mtab',
  'machine-id',
  'ssh/sshd_config.d',
  'nginx',
  'docker-registry',
]

/** The non-root user of the builder server's second sshd (uid and gid). */
const BUILDER_USER = { name: 'builder', id: 1500 } as const

// Written into the skeleton's copy of the host's /etc, so starting a server runs no useradd.
function addBuilderUser(root: string): void {
  const { name, id } = BUILDER_USER
  const etc = (f: string) => join(root, 'etc', f)
  appendFileSync(etc('passwd'), `${name}:x:${id}:${id}:slipway sandbox builder:/home/${name}:/bin/sh\n`)
  appendFileSync(etc('shadow'), `${name}:*:19000:0:99999:7:::\n`)
  // Its own group, and the docker group (the inner dockerd gives its socket to that group).
  const groups = readFileSync(etc('group'), 'utf8').replace(
    /^docker:([^:]*):(\d+):(.*)$/m,
    (_, x, gid, members) => `docker:${x}:${gid}:${[members, name].filter(Boolean).join(',')}`,
  )
  if (!/^docker:/m.test(groups)) throw new Error('the host has no docker group to give the sandbox builder user')
  writeFileSync(etc('group'), `${groups}${name}:x:${id}:\n`)
  mkdirSync(join(root, 'home'), { mode: 0o755 })
  mkdirSync(join(root, 'home', name), { mode: 0o700 })
  chownSync(join(root, 'home', name), id, id)
}

/** The server image name: tagged by a hash of its sources, so a changed start script means a new image. */
function serverImage(): string {
  const hash = createHash('sha256')
  for (const f of SOURCES) hash.update(readFileSync(join(REPO_ROOT, f)))
  hash.update(ETC_EXCLUDES.join(','))
  return `slipway-sandbox-server:${hash.digest('hex').slice(0, 12)}`
}

/**
 * Builds the server image unless present: a skeleton root (a copy of the host's /etc, empty mount
 * points, usr-merge symlinks) imported with `docker import`. The host's /usr is bind-mounted
 * read-only at run time, so nothing is downloaded and the image is a few MB.
 */
export async function ensureServerImage(log: (line: string) => void): Promise<string> {
  const image = serverImage()
  if ((await docker(['image', 'inspect', '--format', '{{.Id}}', image], { allowFailure: true })).code === 0)
    return image
  log(`building ${image}`)
  const root = mkdtempSync(join(tmpdir(), 'slipway-sandbox-root-'))
  try {
    cpSync('/etc', join(root, 'etc'), { recursive: true, verbatimSymlinks: true, filter: (src) => !PRIVATE.test(src) })
    for (const x of ETC_EXCLUDES) rmSync(join(root, 'etc', x), { recursive: true, force: true })
    for (const d of [
      'usr',
      'root/.ssh',
      'tmp',
      'run',
      'var/lib/docker',
      'var/log',
      'var/tmp',
      'proc',
      'sys',
      'dev',
      'sandbox',
      'etc/ssh/sandbox',
      'etc/docker/certs.d',
    ]) {
      mkdirSync(join(root, d), { recursive: true })
    }
    for (const [link, target] of [
      ['bin', 'usr/bin'],
      ['sbin', 'usr/sbin'],
      ['lib', 'usr/lib'],
      ['lib64', 'usr/lib64'],
      ['var/run', '../run'],
    ] as const) {
      symlinkSync(target, join(root, link))
    }
    // As on any server: every user may make temp files (sticky, world-writable).
    for (const d of ['tmp', 'var/tmp']) chmodSync(join(root, d), 0o1777)
    cpSync(join(REPO_ROOT, 'sandbox/server/start.sh'), join(root, 'sandbox/start.sh'))
    cpSync(join(REPO_ROOT, 'sandbox/server/sshd_config'), join(root, 'etc/ssh/sshd_config'))
    cpSync(join(REPO_ROOT, 'sandbox/server/sshd_builder_config'), join(root, 'etc/ssh/sshd_builder_config'))
    addBuilderUser(root)
    const tarball = `${root}.tar`
    await run(['tar', '-C', root, '--numeric-owner', '-cf', tarball, '.'])
    // prettier-ignore
    await docker(['import',
      '--change', 'ENTRYPOINT ["/usr/bin/tini", "--", "/sandbox/start.sh"]',
      '--change', 'LABEL slipway.sandbox=server',
      tarball, image])
  } finally {
    rmSync(root, { recursive: true, force: true })
    rmSync(`${root}.tar`, { force: true })
  }
  return image
}
