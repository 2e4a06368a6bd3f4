import type { Config } from '../config/types.ts'
import { caddyDriver } from './caddy.ts'
import type { ProxyDriver, ProxyKind } from './driver.ts'
import { traefikDriver } from './traefik.ts'

// Every proxy kind and its driver: a new kind is its driver file plus one line here (the Record makes
// a kind that `proxy.kind` accepts but no driver implements a type error).
const DRIVERS: Readonly<Record<ProxyKind, ProxyDriver>> = {
  traefik: traefikDriver,
  caddy: caddyDriver,
}

/** The driver of the proxy `proxy.kind` selects (traefik unless the config says otherwise). */
export const proxyDriver = (config: Config): ProxyDriver => DRIVERS[config.proxy.kind]
