import { describe, expect, test } from 'vitest'
import { otherLiveOwner } from '../../sandbox/owner.ts'

describe('which checkout owns a sandbox instance', () => {
  const here = '/src/slipway/.sandbox'
  const live = new Set(['/src/slipway/.sandbox', '/home/ana/slipway/.sandbox'])
  const exists = (dir: string) => live.has(dir)

  test('an instance of this checkout only is its own', () => {
    expect(otherLiveOwner([here], here, exists)).toBeUndefined()
  })

  test('another checkout that still exists owns it', () => {
    expect(otherLiveOwner([here, '/home/ana/slipway/.sandbox'], here, exists)).toBe('/home/ana/slipway/.sandbox')
  })

  test('a deleted clone (e.g. an earlier CI run) owns nothing: its instance is taken over', () => {
    expect(otherLiveOwner(['/tmp/ci-41/.sandbox/instances/ci'], here, exists)).toBeUndefined()
  })
})
