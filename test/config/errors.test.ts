import { expect, test } from 'vitest'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { loadConfigSync, parseConfig } from '../../lib/config/load.ts'
import { ConfigError } from '../../lib/errors.ts'

const REG = 'registry:\n  username: u\n  password: p\n'
const ok = (body: string): string => `service: app\nimage: app\n${body}${REG}`

// Each row: YAML in → the exact `file:line:col path: message` lines out.
test.each([
  {
    name: 'typo in a role key',
    yml: ok('servers:\n  web:\n    hots: [1.1.1.1]\n'),
    error: 'deploy.yml:5:11 servers.web.hots: unknown key',
  },
  {
    name: 'a health check interval docker would refuse on the server',
    yml: ok('servers: [1.1.1.1]\nhealthcheck:\n  interval: soon\n'),
    error:
      'deploy.yml:5:13 healthcheck.interval: must be a duration as docker takes it, such as 1s, 500ms or 1m30s, found "soon"',
  },
  {
    name: 'a duration without its unit',
    yml: ok('servers:\n  web:\n    hosts: [1.1.1.1]\n    healthcheck: { interval: 5 }\n'),
    error:
      'deploy.yml:6:30 servers.web.healthcheck.interval: must be a duration as docker takes it, such as 1s, 500ms or 1m30s, found 5',
  },
  {
    name: 'an asset_path docker could not mount, on the role behind the proxy',
    yml: ok('servers: [1.1.1.1]\nasset_path: public/assets\n'),
    error:
      'deploy.yml:4:13 asset_path: must be an absolute path inside the image, such as /rails/public/assets, found "public/assets" (role web bridges assets)',
  },
  {
    name: 'a role’s own asset_path',
    yml: ok('servers:\n  web:\n    hosts: [1.1.1.1]\n    asset_path: assets\n'),
    error:
      'deploy.yml:6:17 servers.web.asset_path: must be an absolute path inside the image, such as /rails/public/assets, found "assets" (role web bridges assets)',
  },
  {
    name: 'unknown root key',
    yml: ok('servers: [1.1.1.1]\nhealtcheck: {}\n'),
    error: 'deploy.yml:4:13 healtcheck: unknown key',
  },
  {
    name: 'missing required key',
    yml: 'service: app\nimage: app\nservers: [1.1.1.1]\n',
    error: 'deploy.yml:1:1 registry: missing required key',
  },
  {
    name: 'missing registry password',
    yml: 'service: app\nimage: app\nservers: [1.1.1.1]\nregistry:\n  username: u\n',
    error: 'deploy.yml:5:3 registry.password: missing required key',
  },
  {
    name: 'wrong type in a host list',
    yml: ok('servers:\n  web: [1.1.1.1, [5]]\n'),
    error: 'deploy.yml:4:18 servers.web[1]: must be a host, or "host: tag", found a list',
  },
  {
    name: 'a section with nothing under it',
    yml: ok('servers: [1.1.1.1]\nssh:\n  # user: app\n'),
    error: 'deploy.yml:4:5 ssh: must be a map of options, found nothing',
  },
  {
    name: 'a list with nothing under it',
    yml: ok('servers: [1.1.1.1]\nvolumes:\n'),
    error: 'deploy.yml:4:9 volumes: must be a list, found nothing',
  },
  {
    name: 'hosts written as one string',
    yml: ok('servers:\n  web:\n    hosts: 1.1.1.1\n'),
    error: 'deploy.yml:5:12 servers.web.hosts: must be a list, found "1.1.1.1"',
  },
  {
    name: 'a Kamal 2 config',
    yml: ok('servers: [1.1.1.1]\nproxy:\n  ssl: true\n  host: app.example.com\nbuilder:\n  arch: amd64\n'),
    error:
      'deploy.yml:5:8 proxy.ssl: this is a Kamal 2 config (proxy.ssl, builder.arch). slipway runs Kamal 1.x configs as Kamal 1.9.3 reads them: ' +
      "traefik (or slipway's caddy) in front, secrets from the environment and .env (not .kamal/secrets). " +
      'See docs/compatibility.md, "Kamal 2 configs"',
  },
  {
    name: 'an ERB value that produced nothing',
    yml: ok('servers: [1.1.1.1]\nenv:\n  HOST: <%= ENV["HOST"] %>\n'),
    error:
      'deploy.yml:5:9 env.HOST: must be a string, found nothing (the ERB tag on this line produced no text: is its variable set?)',
  },
  {
    name: 'servers of the wrong shape',
    yml: ok('servers: 1.1.1.1\n'),
    error: 'deploy.yml:3:10 servers: must be a list of hosts, or a map of roles, found "1.1.1.1"',
  },
  {
    name: 'wrong type for a number',
    yml: ok('servers: [1.1.1.1]\nretain_containers: many\n'),
    error: 'deploy.yml:4:20 retain_containers: must be a whole number, found "many"',
  },
  {
    name: 'retain_containers below 1',
    yml: ok('servers: [1.1.1.1]\nretain_containers: 0\n'),
    error: 'deploy.yml:4:20 retain_containers: must be at least 1',
  },
  {
    name: 'invalid service name',
    yml: `service: my app\nimage: app\nservers: [1.1.1.1]\n${REG}`,
    error: 'deploy.yml:1:10 service: invalid service name: use letters, digits, "-" and "_"',
  },
  {
    name: 'primary role does not exist',
    yml: ok('primary_role: app\nservers:\n  web: [1.1.1.1]\n'),
    error: 'deploy.yml:3:15 primary_role: no role named "app" under servers',
  },
  {
    name: 'default primary role missing',
    yml: ok('servers:\n  jobs: [1.1.1.1]\n'),
    error: 'deploy.yml:4:3 servers: no role named "web" under servers',
  },
  {
    name: 'primary role without hosts',
    yml: ok('servers:\n  web: []\n  jobs: [1.1.1.1]\n'),
    error: 'deploy.yml:4:8 servers.web: the primary role "web" has no hosts',
  },
  {
    name: 'empty role',
    yml: ok('servers:\n  web: [1.1.1.1]\n  jobs:\n    hosts: []\n'),
    error: 'deploy.yml:6:5 servers.jobs: role "jobs" has no hosts (allow_empty_roles: true allows it)',
  },
  {
    name: 'tags outside the root env',
    yml: ok('servers:\n  web:\n    hosts: [1.1.1.1]\n    env:\n      tags:\n        a: {X: 1}\n'),
    error: 'deploy.yml:8:9 servers.web.env.tags: tags are only allowed in the root env',
  },
  {
    name: 'host entry with two hosts',
    yml: ok('servers:\n  - 1.1.1.1: a\n    1.1.1.2: b\n'),
    error: 'deploy.yml:4:5 servers[0]: one host per entry: write one "- host: tag" line for each host',
  },
  {
    name: 'accessory with host and roles',
    yml: ok('servers: [1.1.1.1]\naccessories:\n  db:\n    image: mysql\n    host: 1.1.1.2\n    roles: [web]\n'),
    error: 'deploy.yml:6:5 accessories.db: specify exactly one of host, hosts or roles',
  },
  {
    name: 'accessory with none of host/hosts/roles',
    yml: ok('servers: [1.1.1.1]\naccessories:\n  db:\n    image: mysql\n'),
    error: 'deploy.yml:6:5 accessories.db: specify exactly one of host, hosts or roles',
  },
  {
    name: 'accessory on an unknown role',
    yml: ok('servers: [1.1.1.1]\naccessories:\n  db:\n    image: mysql\n    roles: [jobs]\n'),
    error: 'deploy.yml:7:13 accessories.db.roles[0]: no role named "jobs" under servers',
  },
  {
    name: 'accessory without image',
    yml: ok('servers: [1.1.1.1]\naccessories:\n  db:\n    host: 1.1.1.1\n'),
    error: 'deploy.yml:6:5 accessories.db.image: missing required key',
  },
  {
    name: 'require_destination without -d',
    yml: ok('servers: [1.1.1.1]\nrequire_destination: true\n'),
    error: 'deploy.yml:4:22 require_destination: a destination is required: run with -d NAME',
  },
  {
    name: 'minimum_version above Kamal 1.9.3',
    yml: ok('servers: [1.1.1.1]\nminimum_version: 2.0.0\n'),
    error: 'deploy.yml:4:18 minimum_version: slipway reads configs as Kamal 1.9.3 does, minimum required is 2.0.0',
  },
  {
    name: 'caddy without image',
    yml: ok('servers: [1.1.1.1]\nproxy:\n  kind: caddy\n'),
    error: 'deploy.yml:5:3 proxy.image: required when kind is caddy',
  },
  {
    name: 'unknown proxy kind',
    yml: ok('servers: [1.1.1.1]\nproxy:\n  kind: nginx\n'),
    error: 'deploy.yml:5:9 proxy.kind: must be one of traefik, caddy, found "nginx"',
  },
  {
    name: 'bad host key policy',
    yml: ok('servers: [1.1.1.1]\nssh:\n  verify_host_key: yes\n'),
    error: 'deploy.yml:5:20 ssh.verify_host_key: must be one of accept-new, always, never, found true',
  },
  {
    name: 'bad cache type',
    yml: ok('servers: [1.1.1.1]\nbuilder:\n  cache:\n    type: s3\n'),
    error: 'deploy.yml:6:11 builder.cache.type: must be one of gha, registry, found "s3"',
  },
  {
    name: 'bad boot limit',
    yml: ok('servers: [1.1.1.1]\nboot:\n  limit: half\n'),
    error: 'deploy.yml:5:10 boot.limit: must be a number or a percentage like "25%", found "half"',
  },
  {
    name: 'healthcheck cord true',
    yml: ok('servers: [1.1.1.1]\nhealthcheck:\n  cord: true\n'),
    error: 'deploy.yml:5:9 healthcheck.cord: must be a path or false, found true',
  },
  {
    name: 'env value that is a map',
    yml: ok('servers: [1.1.1.1]\nenv:\n  A:\n    x: 1\n'),
    error: 'deploy.yml:6:5 env.A: must be a string, found a map',
  },
  {
    name: 'env with clear and a bare key',
    yml: ok('servers: [1.1.1.1]\nenv:\n  clear: {A: 1}\n  B: x\n'),
    error: 'deploy.yml:6:6 env.B: unknown key',
  },
  {
    name: 'env secret not a list',
    yml: ok('servers: [1.1.1.1]\nenv:\n  secret: KEY\n'),
    error: 'deploy.yml:5:11 env.secret: must be a list, found "KEY"',
  },
  {
    name: 'registry password as a two-element list',
    yml: 'service: app\nimage: app\nservers: [1.1.1.1]\nregistry:\n  username: u\n  password: [A, B]\n',
    error: 'deploy.yml:6:13 registry.password: must be a string or [ENV_NAME], found a list',
  },
  {
    name: 'YAML syntax error',
    yml: ok('servers: [1.1.1.1]\n  web: x\n'),
    error: 'deploy.yml:4:1 (root): All mapping items must start at the same column',
  },
  {
    name: 'YAML in a tag that does not end',
    yml: ok('servers: [1.1.1.1]\nenv:\n  A: "x\n'),
    error: 'deploy.yml:5:6 (root): a quoted value is missing its closing "',
  },
])('$name', ({ yml, error }) => {
  let thrown: unknown
  try {
    parseConfig(yml)
  } catch (e) {
    thrown = e
  }
  expect(thrown).toBeInstanceOf(ConfigError)
  expect((thrown as Error).message).toBe(error)
})

test('several problems are reported together, one line each', () => {
  expect(() =>
    parseConfig(ok('servers:\n  web:\n    hots: [1.1.1.1]\n  jobs: [1.1.1.1, [5]]\nssh:\n  prot: 22\n')),
  ).toThrow(
    [
      'deploy.yml:5:11 servers.web.hots: unknown key',
      'deploy.yml:6:19 servers.jobs[1]: must be a host, or "host: tag", found a list',
      'deploy.yml:8:9 ssh.prot: unknown key',
    ].join('\n'),
  )
})

test('x- root keys hold anchors and merge keys work', () => {
  const c = parseConfig(
    `x-web: &web\n  hosts: [1.1.1.1]\n  cmd: bin/web\nservice: app\nimage: app\nservers:\n  web:\n    <<: *web\n    env: {A: 1}\n${REG}`,
  )
  expect([c.roles[0]!.hosts, c.roles[0]!.cmd, c.roles[0]!.env.clear]).toEqual([['1.1.1.1'], 'bin/web', { A: '1' }])
})

// What the fuzz test (fuzz.test.ts) found: each refused in one located line, none with a stack.
test.each([
  {
    yml: '',
    error: 'deploy.yml:1:1 (root): the file is empty: a deploy.yml needs at least service, image, servers and registry',
  },
  {
    yml: '# servers: [1.1.1.1]\n',
    error: 'deploy.yml:1:1 (root): the file is empty: a deploy.yml needs at least service, image, servers and registry',
  },
  {
    yml: ok('servers: [1.1.1.1]\nweb: !!binary aGk=\n'),
    error: 'deploy.yml:4:15 web: the YAML tag !!binary is not supported in deploy.yml: write the plain value',
  },
  {
    yml: ok('servers: !ruby/object:Set [1.1.1.1]\n'),
    error:
      'deploy.yml:3:27 servers: the YAML tag !ruby/object:Set is not supported in deploy.yml: write the plain value',
  },
  {
    yml: ok('servers: *hosts\n'),
    error: 'deploy.yml:3:10 servers: unknown alias *hosts: an alias needs an anchor &hosts before it',
  },
])('$error', ({ yml, error }) => {
  const thrown = (() => {
    try {
      parseConfig(yml)
    } catch (e) {
      return e
    }
  })()
  expect(thrown).toBeInstanceOf(ConfigError)
  expect((thrown as Error).message).toBe(error)
})

test('a missing ssh.keys file is refused at load, where it is written', () => {
  const dir = mkdtempSync(join(tmpdir(), 'slipway-keys-'))
  writeFileSync(join(dir, 'key'), 'x')
  writeFileSync(join(dir, 'deploy.yml'), ok('servers: [1.1.1.1]\nssh:\n  keys: [key, ~/no/such/key, missing]\n'))
  expect(() => loadConfigSync({ cwd: dir, env: {} })).toThrow(
    'deploy.yml:5:15 ssh.keys[1]: no such key file: ~/no/such/key\ndeploy.yml:5:30 ssh.keys[2]: no such key file: missing',
  )
  rmSync(dir, { recursive: true })
})
