import { describe, expect, test } from 'vitest'
import { clientMajor, describeEngine, detectEngine } from '../../lib/build/engine.ts'
import { localRunner, recordingExecutor } from './support.ts'

describe('detectEngine', () => {
  test('buildx when `docker buildx version` succeeds', async () => {
    const local = recordingExecutor()
    expect(await detectEngine(local)).toEqual({ kind: 'buildx' })
    expect(local.log).toContain('localhost: docker buildx version')
  })

  test('without buildx: the first client older than 23 gets DOCKER_BUILDKIT=1', async () => {
    const local = recordingExecutor((line) => {
      if (line === 'localhost: docker buildx version')
        return { exitCode: 1, stderr: "docker: 'buildx' is not a docker command." }
      if (line === 'localhost: docker --version') return { stdout: 'Docker version 28.2.2, build e6534b4\n' }
      if (line === 'localhost: /usr/bin/docker --version')
        return { stdout: 'Docker version 20.10.24+dfsg1, build 297e128\n' }
      return undefined
    })
    expect(await detectEngine(local)).toEqual({ kind: 'buildkit', docker: '/usr/bin/docker' })
    expect(local.log).toEqual([
      'localhost: docker buildx version',
      'localhost: docker --version',
      'localhost: /usr/bin/docker --version',
    ])
  })

  test('buildx and both clients are asked at once; the one on PATH wins when both are older than 23', async () => {
    let asking = 0
    let peak = 0
    const local = recordingExecutor(async (line) => {
      peak = Math.max(peak, ++asking)
      await new Promise((r) => setTimeout(r, 20))
      asking--
      if (line === 'localhost: docker buildx version') return { exitCode: 1 }
      // The PATH client answers last: the order of DOCKER_CLIENTS decides, not the order of the answers.
      if (line === 'localhost: docker --version') await new Promise((r) => setTimeout(r, 20))
      return { stdout: 'Docker version 20.10.24+dfsg1, build 297e128\n' }
    })
    expect(await detectEngine(local)).toEqual({ kind: 'buildkit', docker: 'docker' })
    expect(peak).toBe(3)
  })

  test('without buildx or an old client: the legacy builder', async () => {
    const local = recordingExecutor((line) =>
      line === 'localhost: docker --version'
        ? { stdout: 'Docker version 28.2.2, build e6534b4' }
        : { exitCode: 127, stderr: 'not found' },
    )
    expect(await detectEngine(local)).toEqual({ kind: 'legacy', docker: 'docker' })
  })

  test('on this machine it answers without throwing, whatever is installed', async () => {
    const engine = await detectEngine(localRunner({ cwd: process.cwd() }))
    expect(['buildx', 'buildkit', 'legacy']).toContain(engine.kind)
    expect(describeEngine(engine)).toMatch(/build/)
  })
})

describe('clientMajor', () => {
  test.each([
    ['Docker version 20.10.24+dfsg1, build 297e128', 20],
    ['Docker version 28.2.2, build e6534b4', 28],
    ['podman version 4.3.1', 4],
    ['garbage', undefined],
  ])('%s → %s', (line, major) => {
    expect(clientMajor(line)).toBe(major)
  })
})
