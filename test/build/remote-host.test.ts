import { describe, expect, test } from 'vitest'
import { remoteBuilderHost } from '../../lib/build/remote-host.ts'
import { makeConfig } from './support.ts'

// defaults (root, 22) < global `ssh:` < the URI's own user and port, for every combination of
// user and port being present or absent in the URI and in `ssh:`.
const uriUsers = [undefined, 'app'] as const
const uriPorts = [undefined, 2122] as const
const globalUsers = [undefined, 'deploy'] as const
const globalPorts = [undefined, 2200] as const
const cases = uriUsers.flatMap((uriUser) =>
  uriPorts.flatMap((uriPort) =>
    globalUsers.flatMap((globalUser) =>
      globalPorts.map((globalPort) => ({ uriUser, uriPort, globalUser, globalPort })),
    ),
  ),
)

describe('remoteBuilderHost', () => {
  test.each(cases)('URI user $uriUser port $uriPort, ssh: user $globalUser port $globalPort', (c) => {
    const uri = `ssh://${c.uriUser ? `${c.uriUser}@` : ''}1.1.1.5${c.uriPort ? `:${c.uriPort}` : ''}`
    const ssh = { ...(c.globalUser ? { user: c.globalUser } : {}), ...(c.globalPort ? { port: c.globalPort } : {}) }
    const config = makeConfig({
      ...(Object.keys(ssh).length ? { ssh } : {}),
      builder: { remote: { arch: 'amd64', host: uri } },
    })
    const user = c.uriUser ?? c.globalUser ?? 'root'
    const port = c.uriPort ?? c.globalPort ?? 22
    expect(remoteBuilderHost(config.builder, config.ssh)).toEqual({
      host: '1.1.1.5',
      user,
      port,
      spec: `${user}@1.1.1.5:${port}`,
      uri: `ssh://${user}@1.1.1.5:${port}`,
    })
  })

  test("Kamal's fixture: ssh: root/22 and ssh://app@1.1.1.5:2122 connect as app on 2122", () => {
    const config = makeConfig({
      ssh: { user: 'root', port: 22 },
      builder: { remote: { arch: 'amd64', host: 'ssh://app@1.1.1.5:2122' } },
    })
    expect(remoteBuilderHost(config.builder, config.ssh)?.spec).toBe('app@1.1.1.5:2122')
  })

  test('IPv6 hosts keep their brackets in spec and URI only; user names are URI-decoded', () => {
    expect(remoteBuilderHost({ remoteHost: 'ssh://build%2Bbot@[fd00::5]:2122' }, { user: 'root', port: 22 })).toEqual({
      host: 'fd00::5',
      user: 'build+bot',
      port: 2122,
      spec: 'build+bot@[fd00::5]:2122',
      uri: 'ssh://build+bot@[fd00::5]:2122',
    })
  })

  test('none for tcp:// or unix:// hosts or without a remote builder', () => {
    expect(remoteBuilderHost({ remoteHost: 'tcp://1.1.1.5:2375' }, { user: 'root', port: 22 })).toBeUndefined()
    expect(remoteBuilderHost({ remoteHost: undefined }, { user: 'root', port: 22 })).toBeUndefined()
  })
})
