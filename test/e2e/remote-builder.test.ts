import { execFileSync, spawn } from 'node:child_process'
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { appRepo, SLIPWAY, site } from './support/app-repo.ts'
import { exec, readSandboxEnv, sshExec, uniqueService } from './support/sandbox.ts'

// A remote builder on a real server, on a machine without docker buildx: global `ssh: root/22`,
// `builder.remote.host: ssh://builder@<last server>:2222` (the sandbox's non-root docker user on
// its second sshd). The app runs on the other servers, so the builder's engine sees this image only
// because it built it there.
const sandbox = readSandboxEnv()
const [s1, s2] = sandbox.servers as [string, string]
const builderHost = sandbox.raw.SANDBOX_BUILDER_HOST!
const builderUser = sandbox.raw.SANDBOX_BUILDER_USER!
const builderPort = sandbox.raw.SANDBOX_BUILDER_PORT!
const builder = `${builderUser}@${builderHost}:${builderPort}`
const app = appRepo({ service: uniqueService('rbuild'), web: [s1, `${s2}: canary`], workers: [s2] })
const repo = `${sandbox.registry}/e2e/${app.service}`
const scratch = mkdtempSync(join(tmpdir(), 'slipway-rbuild-'))
// The sandbox's known_hosts without the builder port: slipway must accept that key itself (accept-new).
const knownHosts = join(scratch, 'known_hosts')
const TOKEN = 'build-token-with $pecial "chars"'
const env = { SLIPWAY_KNOWN_HOSTS: knownHosts, DEMO_BUILD_TOKEN: TOKEN }

const yml = join(app.dir, 'deploy.yml')
const dockerfile = join(app.dir, 'demo/Dockerfile')
const edit = (file: string, from: string, to: string): void => {
  const text = readFileSync(file, 'utf8')
  if (!text.includes(from)) throw new Error(`${file} has no ${JSON.stringify(from)}`)
  writeFileSync(file, text.replace(from, to))
}
const onBuilder = async (script: string): Promise<string> => (await sshExec(builderHost, script)).stdout.trim()
const sshdLog = (): Promise<string> => onBuilder(`cat ${sandbox.raw.SANDBOX_BUILDER_SSHD_LOG}`)
/** Whether the registry has `repo:tag`, asked from this machine's docker with the sandbox login. */
const pushed = async (tag: string): Promise<boolean> =>
  (await exec([sandbox.docker, 'pull', '-q', `${repo}:${tag}`], { allowFailure: true })).code === 0

let v1 = ''
beforeAll(async () => {
  writeFileSync(
    knownHosts,
    readFileSync(sandbox.knownHosts, 'utf8')
      .split('\n')
      .filter((l) => !l.startsWith(`[${builderHost}]:`))
      .join('\n'),
  )
  edit(yml, 'ssh:\n', 'ssh:\n  user: root\n  port: 22\n')
  edit(
    yml,
    'builder:\n  multiarch: false\n',
    `builder:\n  args:\n    BASE_IMAGE: ${sandbox.raw.SANDBOX_REGISTRY_BASE_IMAGE}\n  secrets: [DEMO_BUILD_TOKEN]\n  remote:\n    arch: amd64\n    host: ssh://${builderUser}@${builderHost}:${builderPort}\n`,
  )
  // The build secret reaches the build on the builder (BuildKit mounts it), and only its length is kept.
  edit(
    dockerfile,
    'COPY demo/www/ /www/',
    'COPY demo/www/ /www/\nRUN --mount=type=secret,id=DEMO_BUILD_TOKEN wc -c < /run/secrets/DEMO_BUILD_TOKEN > /token-length',
  )
  // Build hooks name the builder: each writes what it was given into the scratch dir.
  mkdirSync(join(app.dir, '.kamal/hooks'), { recursive: true })
  for (const hook of ['pre-build', 'post-push']) {
    const file = join(app.dir, '.kamal/hooks', hook)
    writeFileSync(file, `#!/bin/sh\necho "$KAMAL_BUILDER_HOST $SLIPWAY_BUILDER_HOST" > ${join(scratch, hook)}\n`)
    chmodSync(file, 0o755)
  }
  v1 = await app.init()
})
afterAll(async () => {
  await app.cleanup()
  await sshExec(builderHost, `docker images -q --filter reference='*/e2e/${app.service}' | xargs -r docker rmi -f`, {
    allowFailure: true,
  })
  execFileSync(sandbox.docker, ['image', 'rm', '--force', `${repo}:${v1}`], { stdio: 'ignore' })
  rmSync(scratch, { recursive: true, force: true })
})

describe('remote builder without buildx here', () => {
  test("deploy: built on the builder as the URI's user and port, pushed from there, serving on the app hosts", async () => {
    const logBefore = (await sshdLog()).split('\n').length
    const started = performance.now()
    const result = await app.script('deploy', [], env)
    const seconds = (performance.now() - started) / 1000
    console.log(`deploy with a remote build (fresh builder cache): ${seconds.toFixed(1)}s`)
    expect(result.code, result.stderr).toBe(0)
    expect(result.stderr).toContain(`Build image on ${builder}`)
    expect(result.stderr).toContain(`Push image from ${builder}`)

    // Built there: the builder's engine holds the image and its build cache; it has a registry
    // digest without ever having pulled it, so it was pushed from there.
    expect(await onBuilder(`docker image inspect --format '{{index .Config.Labels "service"}}' ${repo}:${v1}`)).toBe(
      app.service,
    )
    expect(await onBuilder(`docker image inspect --format '{{len .RepoDigests}}' ${repo}:${v1}`)).toBe('1')
    expect(
      Number(await onBuilder(`docker system df --format '{{if eq .Type "Build Cache"}}{{.TotalCount}}{{end}}'`)),
    ).toBeGreaterThan(0)
    // This machine's engine built nothing: it has no image of the app at all.
    expect((await exec([sandbox.docker, 'image', 'ls', '-q', repo])).stdout.trim()).toBe('')
    expect(await site(app.service)).toEqual({ status: 200, body: v1 })
    const web = `${app.service}-web-${v1}`
    expect((await sshExec(s1, `docker exec ${web} cat /token-length`)).stdout.trim()).toBe(String(TOKEN.length))
    expect(`${result.stdout}${result.stderr}`).not.toContain(TOKEN)
    expect(await onBuilder('ls -d /tmp/slipway-build.* 2>/dev/null || true')).toBe('')

    // The builder's sshd (port 2222, builder only) saw this run connect as builder on its port,
    // and slipway recorded the key for [host]:2222 itself.
    const log = (await sshdLog())
      .split('\n')
      .slice(logBefore - 1)
      .join('\n')
    const gateway = sandbox.registry.split(':')[0]!
    expect(log).toContain(`Connection from ${gateway} port `)
    expect(log).toMatch(
      new RegExp(`Connection from \\S+ port \\d+ on ${builderHost.replaceAll('.', '\\.')} port ${builderPort} `),
    )
    expect(log).toMatch(new RegExp(`Accepted publickey for ${builderUser} from `))
    expect(readFileSync(knownHosts, 'utf8')).toContain(`[${builderHost}]:${builderPort} ssh-ed25519 `)

    for (const hook of ['pre-build', 'post-push'])
      expect(readFileSync(join(scratch, hook), 'utf8')).toBe(`ssh://${builder} ssh://${builder}\n`)

    // `build details` shows where the last build ran.
    const details = await app.script('build', ['details'], env)
    expect(details.code, details.stderr).toBe(0)
    expect(details.stdout).toContain(`Last build: ${repo}:${v1} on ${builder}`)
  })

  test('a broken Dockerfile fails naming the builder and the failing step; nothing is pushed; v1 keeps serving', async () => {
    edit(dockerfile, 'COPY demo/www/ /www/', 'COPY demo/www/ /www/\nRUN echo "about to break" && exit 3')
    const v2 = await app.commit('v2 does not build')
    const result = await app.script('deploy', [], env)
    expect(result.code).toBe(1)
    expect(result.stderr).toMatch(
      new RegExp(
        `error: build on ${builder.replaceAll('.', '\\.')} failed at \\[\\d+/\\d+\\] RUN echo "about to break" && exit 3 \\(exit 1\\):\\n`,
      ),
    )
    expect(result.stderr).toContain('about to break')
    expect(await pushed(v2)).toBe(false)
    expect(await site(app.service)).toEqual({ status: 200, body: v1 })
    edit(dockerfile, '\nRUN echo "about to break" && exit 3', '')
  })

  test('a changed host key on the builder is refused before any build starts', async () => {
    const v3 = await app.commit('v3 with a builder that changed its key')
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(scratch, 'other')])
    const other = readFileSync(join(scratch, 'other.pub'), 'utf8').split(' ').slice(0, 2).join(' ')
    const trusted = readFileSync(knownHosts, 'utf8')
    writeFileSync(
      knownHosts,
      trusted.replace(
        new RegExp(`^\\[${builderHost.replaceAll('.', '\\.')}\\]:${builderPort} .*$`, 'm'),
        `[${builderHost}]:${builderPort} ${other}`,
      ),
    )
    try {
      const result = await app.script('deploy', [], env)
      expect(result.code).toBe(1)
      expect(result.stderr).toContain(`error: cannot connect to ${builder}: host key changed`)
      expect(result.stderr).not.toContain('Sending the build context')
      expect(await onBuilder(`docker image ls -q ${repo}:${v3}`)).toBe('')
      expect(await site(app.service)).toEqual({ status: 200, body: v1 })
    } finally {
      writeFileSync(knownHosts, trusted)
    }
  })

  test('Ctrl-C stops the remote build: no step of it runs on after slipway exits', async () => {
    edit(dockerfile, 'COPY demo/www/ /www/', 'COPY demo/www/ /www/\nRUN echo "building slowly" && sleep 120')
    await app.commit('v4 builds slowly')
    const child = spawn(join(SLIPWAY, 'node_modules/.bin/tsx'), [join(SLIPWAY, 'tasks/deploy.ts'), '--verbose'], {
      cwd: app.dir,
      env: { ...process.env, ...app.env, ...env },
    })
    let stderr = ''
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString()
      if (!child.killed && stderr.includes('building slowly')) child.kill('SIGINT')
    })
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve))
    expect(code, stderr).toBe(130)
    expect(stderr).toContain('building slowly')
    // BuildKit cancels the step once its client is gone: the RUN's sleep is killed, not left for 120 s.
    // `sleep 12[0]`: the pattern must not match the remote shell running pgrep itself.
    // The docker client there ends too (not orphaned to finish the build on its own). Both go within
    // moments of the cancel, not at once: on a loaded machine the client may outlive the sleep briefly.
    const left = async () =>
      (await onBuilder(`pgrep -f 'sleep 12[0]'; pgrep -u ${builderUser} -f 'docker buil[d]'; true`))
        .split('\n')
        .filter(Boolean)
    for (let i = 0; i < 100 && (await left()).length > 0; i++) await new Promise((r) => setTimeout(r, 100))
    expect(await left()).toEqual([])
    expect(await onBuilder('ls -d /tmp/slipway-build.* 2>/dev/null || true')).toBe('')
    expect(await site(app.service)).toEqual({ status: 200, body: v1 })
  })
})
