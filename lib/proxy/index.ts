import type { Config } from '../config/types.ts'
import { caddyDriver } from './caddy.ts'
import type { ProxyDriver } from './driver.ts'
import { traefikDriver } from './traefik.ts'

/** The driver of the proxy `proxy.kind` selects (traefik unless the config says caddy). */
export function proxyDriver(config: Config): ProxyDriver {
  const kind = config.proxy.kind
  switch (kind) {
    case 'traefik':
      return traefikDriver
    case 'caddy':
      return caddyDriver
    default: {
      const never: never = kind
      throw new Error(`unknown proxy kind ${String(never)}`)
    }
  }
}
