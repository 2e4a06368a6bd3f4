import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { REPO_ROOT } from './layout.ts'
import { docker, run } from './run.ts'

/** The busybox base image in the host's docker that `demo/Dockerfile` builds FROM. */
export const BASE_IMAGE = 'slipway-sandbox-base:latest'

/** The images an instance pushes to its registry. */
export const imageNames = (registry: string) => ({
  base: `${registry}/sandbox/base:latest`,
  app: `${registry}/sandbox/demo:latest`,
  broken: `${registry}/sandbox/demo-broken:latest`,
  caddy: `${registry}/sandbox/caddy:latest`,
})

/** Runs `fn` with a fresh temporary build context, always removed afterwards. */
async function withContext<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'slipway-sandbox-build-'))
  try {
    return await fn(dir)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

/** Builds the base image FROM scratch with the machine's static busybox (copied at build time; nothing binary is committed). */
export const buildBase = (): Promise<void> =>
  withContext(async (dir) => {
    copyFileSync('/bin/busybox', join(dir, 'busybox'))
    writeFileSync(
      join(dir, 'passwd'),
      'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n',
    )
    writeFileSync(join(dir, 'group'), 'root:x:0:\nnogroup:x:65534:\n')
    writeFileSync(
      join(dir, 'Dockerfile'),
      [
        'FROM scratch',
        'COPY busybox /bin/busybox',
        'RUN ["/bin/busybox", "--install", "-s", "/bin"]',
        'COPY passwd group /etc/',
        'RUN mkdir -p /tmp /root /www && chmod 1777 /tmp',
        'ENV PATH=/bin',
        'LABEL slipway.sandbox=base',
        'CMD ["/bin/sh"]',
        '',
      ].join('\n'),
    )
    await docker(['build', '--quiet', '-t', BASE_IMAGE, dir])
  })

/** Builds the demo app (or its broken variant) from demo/ on top of the base image. */
export async function buildDemo(tag: string, { broken = false } = {}): Promise<void> {
  const args = ['--build-arg', 'BUILD_VERSION=sandbox', ...(broken ? ['--build-arg', 'BROKEN=1'] : [])]
  await docker(['build', '--quiet', ...args, '-t', tag, '-f', join(REPO_ROOT, 'demo', 'Dockerfile'), REPO_ROOT])
}

/**
 * Builds a FROM-scratch caddy image from the host's /usr/bin/caddy and the libraries `ldd` names,
 * plus CA certificates and /etc/passwd. Entrypoint `caddy`; by default `caddy run --resume`, which
 * starts with an empty config and the admin API on localhost:2019 inside the container.
 */
export const buildCaddy = (tag: string): Promise<void> =>
  withContext(async (dir) => {
    const root = join(dir, 'rootfs')
    const place = (src: string, dst = src): void => {
      mkdirSync(dirname(join(root, dst)), { recursive: true })
      copyFileSync(realpathSync(src), join(root, dst))
    }
    place('/usr/bin/caddy')
    const { stdout } = await run(['ldd', '/usr/bin/caddy'], { allowFailure: true })
    // "libzstd.so.1 => /lib/x86_64-linux-gnu/libzstd.so.1 (0x…)" or "/lib64/ld-linux-x86-64.so.2 (0x…)"
    for (const m of stdout.matchAll(/(?:=>\s*)?(\/\S+)\s+\(0x/g)) place(m[1]!)
    place('/etc/ssl/certs/ca-certificates.crt')
    mkdirSync(join(root, 'etc'), { recursive: true })
    writeFileSync(join(root, 'etc/passwd'), 'root:x:0:0:root:/root:/sbin/nologin\n')
    writeFileSync(join(root, 'etc/group'), 'root:x:0:\n')
    for (const d of ['config', 'data', 'tmp', 'root', 'srv', 'etc/caddy']) mkdirSync(join(root, d), { recursive: true })
    chmodSync(join(root, 'tmp'), 0o1777)
    writeFileSync(
      join(dir, 'Dockerfile'),
      [
        'FROM scratch',
        'COPY rootfs/ /',
        'ENV PATH=/usr/bin XDG_CONFIG_HOME=/config XDG_DATA_HOME=/data HOME=/root',
        'WORKDIR /srv',
        'EXPOSE 80 443 2019',
        'LABEL slipway.sandbox=caddy',
        'ENTRYPOINT ["caddy"]',
        'CMD ["run", "--resume"]',
        '',
      ].join('\n'),
    )
    await docker(['build', '--quiet', '-t', tag, dir])
  })
