import { createHash } from 'node:crypto'
import { mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs'
import { request } from 'node:https'
import { join } from 'node:path'
import { BASE_IMAGE, buildBase, buildCaddy, buildDemo, imageNames } from './images.ts'
import { type Layout, REPO_ROOT } from './layout.ts'
import { docker } from './run.ts'
import { REGISTRY_USER, type SecretPaths, readPassword } from './secrets.ts'

/** The isolated docker client config of an instance (the user's ~/.docker is never touched). */
export const dockerConfig = (l: Layout): string => join(l.dir, 'docker-config')

/**
 * A fingerprint of everything the test images are made of: the recipes, demo/ and the host
 * binaries (by size and mtime; a package upgrade changes both).
 */
function imagesFingerprint(): string {
  const hash = createHash('sha256')
  for (const f of ['sandbox/images.ts', 'sandbox/publish.ts', '.dockerignore'])
    hash.update(readFileSync(join(REPO_ROOT, f)))
  const demo = join(REPO_ROOT, 'demo')
  for (const f of readdirSync(demo, { recursive: true, withFileTypes: true }).filter((e) => e.isFile())) {
    hash.update(join(f.parentPath, f.name)).update(readFileSync(join(f.parentPath, f.name)))
  }
  for (const f of ['/bin/busybox', '/usr/bin/caddy']) hash.update(`${f}:${statSync(f).size}:${statSync(f).mtimeMs}`)
  return hash.digest('hex')
}

/**
 * Logs the isolated docker config in to the registry, then builds and pushes the test images,
 * unless the last push had the same fingerprint and the registry and host still hold them.
 */
export async function publishImages(l: Layout, s: SecretPaths): Promise<'pushed' | 'reused'> {
  const env = { DOCKER_CONFIG: dockerConfig(l) }
  mkdirSync(env.DOCKER_CONFIG, { recursive: true, mode: 0o700 })
  const images = imageNames(l.registry)
  const stamp = join(l.dir, 'registry', 'images.stamp')
  const fingerprint = imagesFingerprint()
  const login = docker(['login', l.registry, '--username', REGISTRY_USER, '--password-stdin'], {
    env,
    input: readPassword(s),
  })
  const previous = (() => {
    try {
      return readFileSync(stamp, 'utf8')
    } catch {
      return ''
    }
  })()
  if (previous === fingerprint) {
    const present = await Promise.all([
      docker(['image', 'inspect', '--format', '{{.Id}}', BASE_IMAGE], { allowFailure: true }).then((r) => r.code === 0),
      ...Object.values(images).map((image) => registryHas(l, s, image)),
    ])
    if (present.every(Boolean)) return (await login, 'reused')
  }
  await Promise.all([
    login,
    buildBase().then(() =>
      Promise.all([
        docker(['tag', BASE_IMAGE, images.base]),
        buildDemo(images.app),
        buildDemo(images.broken, { broken: true }),
      ]),
    ),
    buildCaddy(images.caddy),
  ])
  await Promise.all(Object.values(images).map((image) => docker(['push', '--quiet', image], { env })))
  writeFileSync(stamp, fingerprint)
  return 'pushed'
}

/** True when the registry has a manifest for `registry/repo:tag`. */
function registryHas(l: Layout, s: SecretPaths, image: string): Promise<boolean> {
  const [repo, tag] = image.slice(l.registry.length + 1).split(':') as [string, string]
  const [host, port] = l.registry.split(':') as [string, string]
  const auth = Buffer.from(`${REGISTRY_USER}:${readPassword(s)}`).toString('base64')
  // prettier-ignore
  const accept = ['application/vnd.docker.distribution.manifest.v2+json', 'application/vnd.oci.image.manifest.v1+json'].join(', ')
  return new Promise((resolve) => {
    const req = request(
      {
        method: 'HEAD',
        host,
        port: Number(port),
        path: `/v2/${repo}/manifests/${tag}`,
        ca: readFileSync(s.caCert),
        timeout: 2000,
        headers: { authorization: `Basic ${auth}`, accept },
      },
      (res) => (res.resume(), resolve(res.statusCode === 200)),
    )
    req.on('error', () => resolve(false))
    req.on('timeout', () => req.destroy())
    req.end()
  })
}
