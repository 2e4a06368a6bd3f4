import { z } from 'zod'
import { DockerOptions, Env, HostList, HostPort, Int, StringMap, Stringish } from './schema-common.ts'

// Sections for the containers around the app: accessories, the proxy, and rolling boots.

/** `accessories.<name>` */
export const AccessoryYml = z.strictObject({
  service: Stringish.optional().describe('Container name and service label; default `<service>-<name>`'),
  image: Stringish.describe('Image to run'),
  host: Stringish.optional().describe('The one host (exactly one of host / hosts / roles)'),
  hosts: HostList.optional().describe('Hosts (exactly one of host / hosts / roles)'),
  roles: z
    .array(Stringish)
    .optional()
    .describe('Run on every host of these roles (exactly one of host / hosts / roles)'),
  cmd: Stringish.optional().describe('Container command'),
  port: Stringish.optional().describe('Published port: `"3306"` → `3306:3306`; may include an IP'),
  labels: StringMap.optional().describe('Container labels'),
  options: DockerOptions.optional(),
  env: Env.optional().describe('Accessory env (clear/secret)'),
  files: z.array(Stringish).optional().describe('`local:remote` files uploaded and mounted'),
  directories: z.array(Stringish).optional().describe('`host:container` directories created and mounted'),
  volumes: z.array(Stringish).optional().describe('Extra `--volume` values'),
})

/** `traefik:` */
export const TraefikYml = z
  .strictObject({
    image: Stringish.optional().describe('Traefik image; default `traefik:v2.11`'),
    host_port: HostPort.optional().describe('Published host port, or `address:port` to bind one address; default 80'),
    publish: z.boolean().optional().describe('`false`: do not publish a port'),
    labels: StringMap.optional().describe('Extra labels on the traefik container'),
    args: z
      .record(z.string(), z.union([z.string(), z.number(), z.boolean()], { error: 'expected a string' }))
      .optional()
      .describe('Traefik arguments `--key=value`'),
    options: DockerOptions.optional(),
    env: Env.optional().describe('Traefik env (clear/secret)'),
  })
  .describe('The traefik proxy (Kamal 1.x)')

/** slipway's `proxy:` */
export const ProxyYml = z
  .strictObject({
    kind: z.enum(['traefik', 'caddy']).optional().describe('slipway: the front proxy; default `traefik`'),
    image: z.string().optional().describe('Proxy image; required for `caddy` (traefik uses `traefik.image`)'),
    host_port: HostPort.optional().describe('Published host port or `address:port`; default `traefik.host_port` or 80'),
    app_port: Int.optional().describe('Port the app listens on in its container; default 80'),
    host: z
      .string()
      .min(1)
      .optional()
      .describe('caddy: route only requests for this Host (several apps share one proxy); default every request'),
    hosts: z.array(z.string().min(1)).min(1).optional().describe('caddy: like `host`, for several names'),
    options: DockerOptions.optional(),
  })
  .describe('slipway: which proxy runs on proxy hosts')

const LIMIT = 'expected a number or a percentage like "25%"'

/** `boot:` */
export const BootYml = z
  .strictObject({
    limit: z
      .union([z.number(), z.string()], { error: LIMIT })
      .transform((v, ctx) => {
        if (typeof v === 'number' ? Number.isInteger(v) && v > 0 : /^\d+%$/.test(v)) return v
        ctx.issues.push({ code: 'custom', message: LIMIT, input: v })
        return z.NEVER
      })
      .optional()
      .describe('Hosts booted at once: a number, or a percentage of all hosts (`"25%"`, at least 1)'),
    wait: Int.optional().describe('Seconds between boot groups'),
  })
  .describe('Rolling deploys')
