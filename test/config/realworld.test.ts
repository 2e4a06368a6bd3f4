import { chmodSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, test } from 'vitest'
import { parseConfig } from '../../lib/config/load.ts'
import { configSummary } from '../../lib/config/show.ts'
import type { Config } from '../../lib/config/types.ts'

// Real Kamal 1.x deploy.yml files from public repositories (test/fixtures/realworld/PROVENANCE.md),
// loaded unmodified. Each expectation was written by reading the file against Kamal 1.9.3's rules:
// roles sorted by name, hosts of the roles in that order then the accessories' (first wins),
// the primary host is the first host of `web` (or primary_role), repository is
// `registry.server/image`, logging defaults to `--log-opt max-size="10m"`, the healthcheck
// defaults to port 3000 and /up joined as Ruby's URI.join. A file Kamal 1.9.3 refuses must be
// refused here too, at the same key.

const DIR = join(import.meta.dirname, '../fixtures/realworld')

// `aws ecr get-login-password`, as a config's ERB runs it: the test machine has no AWS account.
const BIN = mkdtempSync(join(tmpdir(), 'slipway-realworld-bin-'))
writeFileSync(join(BIN, 'aws'), '#!/bin/sh\necho "ecr-token-for-$*"\n')
chmodSync(join(BIN, 'aws'), 0o755)
const PATH = `${BIN}:/usr/bin:/bin`

const LOGGING = ['--log-opt', 'max-size="10m"']
const health = (cmd = 'curl -f http://localhost:3000/up || exit 1', extra: object = {}): object => ({
  cmd,
  interval: '1s',
  max_attempts: 7,
  port: 3000,
  path: '/up',
  cord: '/tmp/kamal-cord',
  log_lines: 50,
  ...extra,
})
const web = (host: string): object => ({ roles: ['web'], hosts: [host], primary_host: host })

interface Loads {
  readonly env?: Record<string, string>
  /** Files of the app's repository that the config's ERB reads (`%x(cat .ruby-version)`). */
  readonly project?: Record<string, string>
  readonly summary: object
  readonly also?: (config: Config) => void
}
interface Refused {
  readonly env?: Record<string, string>
  /** slipway's message; Kamal 1.9.3 refuses the same key (its message in the comment). */
  readonly error: string
}

const KAMAL1: Record<string, Loads | Refused> = {
  'anycable-rails-demo.yml': {
    summary: {
      roles: ['anycable', 'web'],
      hosts: ['64.226.100.79', '167.99.251.136', '134.209.240.18', '64.226.116.153', '165.22.65.160'],
      primary_host: '167.99.251.136',
      repository: 'kalashnikovisme/anycable_rails_demo',
      volume_args: [],
      logging: LOGGING,
      healthcheck: health('curl -f http://localhost:3000/ || exit 1', { path: '/' }),
    },
  },
  'atriarchy-dashboard.yml': {
    summary: { ...web('192.168.0.1'), repository: 'dylhack/trackboard', logging: LOGGING, healthcheck: health() },
  },
  'basic-app-1.yml': {
    summary: { ...web('5.161.63.224'), repository: 'kolosek/basicapp', logging: LOGGING, healthcheck: health() },
    also: (c) =>
      expect([c.traefik.hostPort, c.traefik.labels]).toEqual([
        8080,
        { 'traefik.http.routers.basicapp.rule': "Host(\\'basic.kolosek.me\\'')" },
      ]),
  },
  'bebepe.yml': {
    summary: { ...web('67.205.188.180'), repository: 'svyatov/bebepe', logging: LOGGING, healthcheck: health() },
    also: (c) => expect(c.accessories.map((a) => a.cmd?.split('\n').length)).toEqual([2, 2]), // folded `>`: one line and its newline
  },
  'clojure-kamal-example.yml': {
    // Kamal 1.9.3 refuses healthcheck.exposed_port (removed in 1.6); slipway accepts and ignores it.
    env: { SERVER_IP: '203.0.113.10', TRAEFIK_ACME_EMAIL: 'ops@example.com' },
    summary: {
      ...web('203.0.113.10'),
      repository: 'ghcr.io/abogoyavlensky/clojure-kamal-example',
      logging: LOGGING,
      healthcheck: health('curl -f http://localhost/health || exit 1', {
        port: 80,
        path: '/health',
        max_attempts: 15,
        interval: '30s',
      }),
    },
    also: (c) => expect(c.builder.remoteHost).toBe('ssh://root@203.0.113.10'),
  },
  'concerto.yml': {
    // Its builder: section is comments but for the cache (Kamal prints the section as written).
    summary: {
      ...web('concerto-fresh-demo'),
      repository: 'ghcr.io/bamnet/concerto',
      volume_args: ['--volume', 'concerto_storage:/rails/storage'],
      builder: { cache: { type: 'gha' } },
      logging: LOGGING,
      healthcheck: health(),
    },
    also: (c) => expect([c.builder.multiarch, c.assetPath]).toEqual([true, '/rails/public/assets']),
  },
  'dorianmarie-code.yml': {
    // Kamal: builder/remote: unknown key: ssh
    error: 'dorianmarie-code.yml:6:10 builder.remote.ssh: unknown key',
  },
  'gogrow-rails-api.yml': {
    env: { AWS_ACCOUNT_ID: '123456789012', AWS_REGION: 'eu-west-1' },
    summary: {
      roles: ['job', 'web'],
      hosts: ['127.0.0.1'],
      primary_host: '127.0.0.1',
      repository: '123456789012.dkr.ecr.eu-west-1.amazonaws.com/rails-api',
      logging: LOGGING,
      healthcheck: health(),
    },
    also: (c) => expect(c.registry.password.value).toBe('ecr-token-for-ecr get-login-password'),
  },
  'gogrow-rails-api-staging.yml': {
    // The same repository's staging destination, a whole config of its own. KAMAL_VERSION's ERB prints
    // nothing here; Kamal passes such a build arg as the bare name (docker reads it from its environment).
    env: { AWS_ACCOUNT_ID: '123456789012', AWS_REGION: 'eu-west-1' },
    project: { '.ruby-version': '3.3.0\n' },
    summary: {
      roles: ['job', 'web'],
      hosts: ['127.0.0.1'],
      primary_host: '127.0.0.1',
      repository: '123456789012.dkr.ecr.eu-west-1.amazonaws.com/rails-api',
      logging: LOGGING,
      healthcheck: health(),
    },
    also: (c) => {
      expect(c.builder.args).toEqual({ RUBY_VERSION: '3.3.0', RAILS_ENV: 'staging', KAMAL_VERSION: '' })
      expect(c.traefik.args['certificatesResolvers.letsencrypt.acme.httpchallenge.entrypoint']).toBe('web')
      expect(c.ssh.user).toBe('ubuntu')
    },
  },
  'greenhouse.yml': {
    // Kamal: ssh: should be a hash
    error: [
      'greenhouse.yml:29:5 ssh: must be a map of options, found nothing',
      'greenhouse.yml:53:11 accessories.db.files: must be a list, found nothing',
    ].join('\n'),
  },
  'hackclub-hackathons-backend.yml': {
    summary: {
      roles: ['jobs', 'web'],
      hosts: ['app-1.hackathons.hackclub.com'],
      primary_host: 'app-1.hackathons.hackclub.com',
      repository: 'ghcr.io/hackclub/hackathons',
      logging: LOGGING,
      healthcheck: health(),
    },
    also: (c) => expect(c.env.clear['APPSIGNAL_HOSTNAME']).toBe('${hostname}'),
  },
  'hq-trivia.yml': {
    summary: { ...web('192.168.0.1'), repository: 'juliusdelta/hq-trivia', logging: LOGGING, healthcheck: health() },
  },
  'jsp1.yml': {
    summary: {
      ...web('192.168.0.1'),
      repository: 'your-user/my-app',
      volume_args: ['--volume', 'my-app:/rails/storage'],
      logging: LOGGING,
      healthcheck: health(),
    },
  },
  'kamal-makefile.yml': {
    summary: {
      ...web('XXX.XXX.XXX.XXX'),
      repository: 'your_registry_server/you_image_name',
      logging: LOGGING,
      healthcheck: health(undefined, { interval: '20s' }),
    },
    also: (c) => expect(c.roles[0]!.cmd).toBe('./bin/rails s -b 0.0.0.0 -p 3000'),
  },
  'kamal-nextjs.yml': {
    summary: { ...web('do-ubuntu-tiny'), repository: 'mefengl/kamal-nextjs', logging: LOGGING, healthcheck: health() },
  },
  'marine-defrag-client.yml': {
    env: {
      DEPLOY_SSH_HOST: '203.0.113.20',
      DEPLOY_WEB_HOST: 'app.example.org',
      DEPLOY_REGISTRY: 'registry.example.org',
    },
    summary: {
      ...web('203.0.113.20'),
      repository: 'registry.example.org/marine-defrag/marine-defrag-client',
      logging: LOGGING,
      healthcheck: health(),
    },
    also: (c) => expect(c.roles[0]!.labels['traefik.http.routers.client.rule']).toBe('Host(`app.example.org`)'),
  },
  'monaxide-portal.yml': {
    // Kamal: service: should be a string
    error: [
      'monaxide-portal.yml:1:9 service: must be a string, found nothing',
      'monaxide-portal.yml:2:8 image: must be a string, found nothing',
    ].join('\n'),
  },
  'monorkin-blog.yml': {
    summary: {
      roles: ['web', 'worker'],
      hosts: ['shire.stanko.io'],
      primary_host: 'shire.stanko.io',
      repository: 'monorkin/blog',
      logging: LOGGING,
      healthcheck: health(),
    },
  },
  'mrsk-demo.yml': {
    // Kamal: accessories/db/env: unknown keys: files, directories
    error: [
      'mrsk-demo.yml:28:9 accessories.db.env.files: unknown key',
      'mrsk-demo.yml:30:9 accessories.db.env.directories: unknown key',
    ].join('\n'),
  },
  'mrsk-sample.yml': {
    summary: { ...web('ship-app-1'), repository: 'iuhoay/ship', logging: LOGGING, healthcheck: health() },
  },
  'nginx-demo.yml': {
    summary: {
      ...web('34.82.78.126'),
      repository: 'kacestudio/nginx-demo',
      logging: LOGGING,
      healthcheck: health('curl -f http://localhost/ || exit 1', { port: 80, path: '/' }),
    },
  },
  'nosia.yml': {
    summary: {
      ...web('192.168.0.1'),
      repository: 'your-user/nosia',
      volume_args: ['--volume', 'nosia_storage:/rails/storage'],
      logging: LOGGING,
      healthcheck: health(),
    },
  },
  'ocapi.yml': {
    summary: {
      ...web('150.136.105.238'),
      repository: 'lastradev/ocapi',
      volume_args: ['--volume', 'ocapi_storage:/rails/storage'],
      logging: LOGGING,
      healthcheck: health(),
    },
  },
  'pong.yml': {
    summary: {
      ...web('bastion'),
      repository: 'ursm/pong',
      volume_args: ['--volume', 'pong_storage:/rails/storage'],
      logging: LOGGING,
      healthcheck: health(),
    },
  },
  'seithq-milkyland.yml': {
    // Two roles on one host, sorted (job before web); the accessories placed by `roles: [web]`.
    summary: {
      roles: ['job', 'web'],
      hosts: ['194.67.82.37'],
      primary_host: '194.67.82.37',
      repository: 'ghcr.io/seithq/milkyland',
      volume_args: [],
      builder: {
        multiarch: true,
        cache: { type: 'registry', image: 'seithq/milkyland-build-cache', options: 'mode=max,oci-mediatypes=true' },
      },
      logging: LOGGING,
      healthcheck: health(),
    },
    also: (c) => {
      expect(c.roles.map((r) => [r.name, r.cmd])).toEqual([
        ['job', 'bin/rails solid_queue:work'],
        ['web', 'bin/rails server'],
      ])
      // Kamal's Accessory#port: a bare port is published as `port:port`.
      expect(c.accessories.map((a) => [a.name, a.hosts, a.port])).toEqual([
        ['mysql', ['194.67.82.37'], '3306:3306'],
        ['redis', ['194.67.82.37'], '6379:6379'],
      ])
      expect(c.builder.cache).toEqual({
        type: 'registry',
        image: 'seithq/milkyland-build-cache',
        options: 'mode=max,oci-mediatypes=true',
      })
      expect(c.ssh.user).toBe('deploy')
    },
  },
  'sqlite-backup.yml': {
    summary: { ...web('192.168.0.1'), repository: 'user/my-app', logging: LOGGING, healthcheck: health() },
  },
  'staffplan-redux.yml': {
    summary: {
      ...web('159.65.172.245'),
      repository: 'fermion/staffplan-redux',
      logging: LOGGING,
      healthcheck: health(),
    },
  },
  'the-wall.yml': {
    // Kamal: servers/anycable: unknown key: port
    env: {
      MAIN_HOST: '203.0.113.40',
      DO_SPACES_KEY: 'k',
      DO_SPACES_SECRET: 's',
      DO_SPACES_BUCKET: 'b',
      DO_SPACES_REGION: 'r',
      REDIS_PASSWORD: 'p',
      REDIS_HOST: '203.0.113.41',
      ANYCABLE_GO_HOST: '203.0.113.42',
      DB_HOST: '203.0.113.43',
      NEW_RELIC_KEY: 'n',
    },
    error: 'the-wall.yml:12:11 servers.anycable.port: unknown key',
  },
  'time-log.yml': {
    env: { MAIN_HOST: '203.0.113.30', REDIS_PASSWORD: 'p', REDIS_HOST: '203.0.113.31', DB_HOST: '203.0.113.32' },
    summary: {
      roles: ['sidekiq', 'web'],
      hosts: ['203.0.113.30', '203.0.113.32', '203.0.113.31'],
      primary_host: '203.0.113.30',
      repository: 'kalashnikovisme/time_log',
      logging: LOGGING,
      healthcheck: health('curl -f http://localhost:3000/ || exit 1', { path: '/', max_attempts: 5 }),
    },
    also: (c) => expect(c.env.clear['REDIS_URL']).toBe('redis://:p@203.0.113.31:6379/1'),
  },
  'tramway-pro.yml': {
    // Kamal: unknown key: options
    env: Object.fromEntries(
      ['MAIN_HOST', 'ACCESSORIES_HOST', 'REDIS_PASSWORD', 'SECRET_KEY_BASE']
        .concat(['DO_SPACES_KEY', 'DO_SPACES_SECRET', 'DO_SPACES_BUCKET', 'DO_SPACES_REGION'])
        .concat(['POSTGRES_USER', 'POSTGRES_DB', 'POSTGRES_PASSWORD'])
        .map((k) => [k, 'x']),
    ),
    error: 'tramway-pro.yml:16:3 options: unknown key',
  },
  'willnet-in.yml': {
    // Kamal: servers/web/hosts: should be an array
    error: 'willnet-in.yml:10:12 servers.web.hosts: must be a list, found "139.59.254.11"',
  },
  'ynab-investec.yml': {
    summary: { ...web('192.168.3.3'), repository: 'dndaniel/ynab-investec', logging: LOGGING, healthcheck: health() },
  },
}

const KAMAL2_MESSAGE = /^kamal2\/[\w.-]+\.yml:\d+:\d+ [\w.]+: this is a Kamal 2 config \(/
const KAMAL2: Record<string, RegExp | string> = {
  'crmne-cluster-headache-tracker.yml': KAMAL2_MESSAGE,
  'nurey-banking.yml': KAMAL2_MESSAGE,
  // Its ERB fails first (Kamal 2 secrets), and the message still says what the file is.
  'zencrowd.yml': KAMAL2_MESSAGE,
  // Kamal 1 template with only `proxy: app_port` added: slipway's own proxy key; require_destination decides.
  'rbriski-force.yml':
    'kamal2/rbriski-force.yml:11:22 require_destination: a destination is required: run with -d NAME',
}

function load(file: string, env: Record<string, string> = {}, project: Record<string, string> = {}): Config {
  const root = mkdtempSync(join(tmpdir(), 'slipway-realworld-app-'))
  for (const [name, text] of Object.entries(project)) writeFileSync(join(root, name), text)
  return parseConfig(readFileSync(join(DIR, file), 'utf8'), { file, root, env: { PATH, ...env } })
}

describe('Kamal 1.x configs from public repositories', () => {
  test('the table covers every file of the corpus (and its provenance lists each)', () => {
    const files = readdirSync(DIR).filter((f) => f.endsWith('.yml'))
    expect(files.sort()).toEqual(Object.keys(KAMAL1).sort())
    const provenance = readFileSync(join(DIR, 'PROVENANCE.md'), 'utf8')
    for (const f of [...files, ...Object.keys(KAMAL2).map((k) => `kamal2/${k}`)])
      expect(provenance).toContain(`| ${f} |`)
  })

  for (const [file, expected] of Object.entries(KAMAL1)) {
    test(file, () => {
      if ('error' in expected) {
        expect(() => load(file, expected.env)).toThrow(expected.error)
        let message = ''
        try {
          load(file, expected.env)
        } catch (error) {
          message = (error as Error).message
        }
        expect(message).toBe(expected.error)
        return
      }
      const config = load(file, expected.env, expected.project)
      expect(configSummary(config, { version: 'v1' })).toMatchObject({ version: 'v1', ...expected.summary })
      expected.also?.(config)
    })
  }
})

describe('Kamal 2 configs get one message', () => {
  for (const [file, expected] of Object.entries(KAMAL2)) {
    test(file, () => {
      let message = ''
      try {
        load(`kamal2/${file}`)
      } catch (error) {
        message = (error as Error).message
      }
      if (typeof expected === 'string') expect(message).toBe(expected)
      else {
        expect(message).toMatch(expected)
        expect(message.split('\n')).toHaveLength(1)
      }
    })
  }
})
