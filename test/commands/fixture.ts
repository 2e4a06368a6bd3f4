import type { Accessory, Config, Env, Healthcheck, Role } from '../../lib/config/types.ts'
import { Secret } from '../../lib/shell/command.ts'

// A resolved Config as a typed literal, shaped like Kamal's test/fixtures/deploy_with_roles.yml
// (service app, image dhh/app, web on 1.1.1.1/1.1.1.2, workers on 1.1.1.3/1.1.1.4), so builder
// tests do not depend on the YAML loader.

export const noEnv: Env = { clear: {}, secret: {} }

export const healthcheck: Healthcheck = {
  cmd: 'curl -f http://localhost:3000/up || exit 1',
  path: '/up',
  port: 3000,
  interval: '1s',
  maxAttempts: 7,
  cord: '/tmp/kamal-cord',
  logLines: 50,
}

/** A role with Kamal's defaults; `overrides` replace whole fields. */
export function role(name: string, overrides: Partial<Role> = {}): Role {
  return {
    name,
    hosts: ['1.1.1.1', '1.1.1.2'],
    tags: {},
    cmd: undefined,
    options: {},
    labels: {},
    env: noEnv,
    proxy: name === 'web',
    healthcheck,
    healthArgs: name === 'web',
    logging: { driver: undefined, options: { 'max-size': '10m' } },
    assetPath: undefined,
    primary: name === 'web',
    ...overrides,
  }
}

export const web = role('web')
export const workers = role('workers', { hosts: ['1.1.1.3', '1.1.1.4'], cmd: 'bin/jobs' })

/** An accessory like Kamal's deploy_with_accessories.yml `mysql`. */
export function accessory(overrides: Partial<Accessory> = {}): Accessory {
  return {
    name: 'mysql',
    service: 'app-mysql',
    image: 'mysql:8.0',
    hosts: ['1.1.1.3'],
    cmd: undefined,
    port: '3306',
    labels: {},
    options: {},
    env: { clear: { MYSQL_ROOT_HOST: '%' }, secret: { MYSQL_ROOT_PASSWORD: new Secret('secret123') } },
    files: [],
    directories: [],
    volumes: [],
    ...overrides,
  }
}

/** The whole Config; `overrides` replace whole fields. */
export function makeConfig(overrides: Partial<Config> = {}): Config {
  return {
    file: 'deploy.yml',
    root: '/work/app',
    service: 'app',
    image: 'dhh/app',
    destination: undefined,
    registry: { server: undefined, username: 'user', password: new Secret('pw') },
    repository: 'dhh/app',
    roles: [web, workers],
    primaryRole: 'web',
    env: noEnv,
    envTags: {},
    labels: {},
    volumes: [],
    assetPath: undefined,
    hooksPath: '.kamal/hooks',
    hookTimeout: 900,
    allowEmptyRoles: false,
    requireDestination: false,
    retainContainers: 5,
    minimumVersion: undefined,
    readinessDelay: 7,
    stopWaitTime: undefined,
    runDirectory: '.kamal',
    ssh: {
      user: 'root',
      port: 22,
      proxy: undefined,
      proxyCommand: undefined,
      keys: [],
      keyData: [],
      keysOnly: false,
      logLevel: 'fatal',
      connectTimeout: 15,
      keepaliveInterval: 5,
      keepaliveMaxcount: 3,
      verifyHostKey: 'accept-new',
      maxConcurrentStarts: 30,
      poolIdleTimeout: 900,
    },
    builder: {
      multiarch: true,
      localArch: undefined,
      localHost: undefined,
      remoteArch: undefined,
      remoteHost: undefined,
      cache: undefined,
      context: undefined,
      dockerfile: 'Dockerfile',
      target: undefined,
      args: {},
      secrets: [],
      ssh: undefined,
    },
    builderAsWritten: {},
    accessories: [],
    traefik: { image: 'traefik:v2.11', hostPort: 80, publish: true, labels: {}, args: {}, options: {}, env: noEnv },
    proxy: { kind: 'traefik', image: 'caddy', hostPort: 80, appPort: 3000, hosts: [], options: {} },
    healthcheck,
    boot: { limit: undefined, wait: undefined },
    logging: { driver: undefined, options: { 'max-size': '10m' } },
    ...overrides,
  }
}

/** The same config with a destination (`-d staging`). */
export const staging = (): Config => makeConfig({ destination: 'staging' })
