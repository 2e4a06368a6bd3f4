import { z } from 'zod'

// Building blocks shared by the deploy.yml schemas. Kamal's validator accepts numbers and
// booleans wherever a string is expected ("stringish"), so an unmodified Kamal config with
// `port: 3306` or `RAILS_LOG_TO_STDOUT: true` loads; values become strings after parsing.

/** A string, or a number/boolean written where a string was meant (Kamal's "stringish"). */
export const Stringish = z
  .union([z.string(), z.number(), z.boolean()], { error: 'expected a string' })
  .transform((v) => String(v))

/**
 * A duration as docker's `--health-*` flags take it (Go's time.ParseDuration): `1s`, `500ms`,
 * `1m30s`, or `0`. Kamal passes it through to `docker run`, which refuses anything else on the
 * server; here it is refused where it is written.
 */
export const Duration = Stringish.refine(
  (v) => v === '0' || /^(?:(?:\d+(?:\.\d*)?|\.\d+)(?:ns|us|µs|ms|s|m|h))+$/.test(v),
  {
    error: 'expected a duration as docker takes it, such as 1s, 500ms or 1m30s',
  },
)

/** A whole number, also written as a string (`host_port: "8080"`). */
export const Int = z.union([z.number(), z.string()], { error: 'expected a whole number' }).transform((v, ctx) => {
  const n = typeof v === 'number' ? v : /^\s*\d+\s*$/.test(v) ? Number(v) : NaN
  if (Number.isInteger(n)) return n
  ctx.issues.push({ code: 'custom', message: 'expected a whole number', input: v })
  return z.NEVER
})

/** `traefik.host_port`: a port, or `address:port` to publish on one address (`"10.0.0.3:80"`). */
export const HostPort = z
  .union([z.number(), z.string()], { error: 'expected a port or "address:port"' })
  .transform((v, ctx) => {
    const text = String(v)
    if (/^(?:.+:)?\d+$/.test(text)) return text
    ctx.issues.push({ code: 'custom', message: 'expected a port or "address:port"', input: v })
    return z.NEVER
  })

/** Seconds, fractions allowed (`0.5`), more than zero. */
export const Seconds = z.number({ error: 'expected a number of seconds' }).positive('expected more than 0 seconds')

/** A map of names to stringish values (labels, clear env, build args, log options). */
export const StringMap = z.record(z.string(), Stringish)

/** `docker run` options: `--key value`; `true` is a bare flag; arrays repeat the flag. */
export const DockerOptions = z
  .record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.array(z.union([z.string(), z.number()]))]))
  .describe('Extra `docker run` options: `key: value` → `--key value`; `true` → bare `--key`; a list repeats the flag')

/** One host entry: `1.1.1.1`, `1.1.1.1: tag` or `1.1.1.1: [tag1, tag2]`. */
const HostEntry = z.union(
  [
    Stringish.pipe(z.string().min(1)),
    z.record(z.string(), z.union([Stringish, z.array(Stringish)], { error: 'expected a tag or a list of tags' })),
  ],
  { error: 'expected a host, or "host: tag"' },
)

/** A list of host entries (tags allowed). */
export const HostList = z
  .array(HostEntry)
  .describe('Hosts: `- 1.1.1.1`, or with tags `- 1.1.1.2: tag` / `- 1.1.1.3: [tag1, tag2]`')

const EnvMap = z.record(z.string(), Stringish)

const EnvSections = {
  clear: StringMap.optional().describe('Values passed as `--env KEY=value`'),
  secret: z
    .array(Stringish)
    .optional()
    .describe('Names of secrets, read from the environment or `.env` at load time and passed via the env file'),
}

// Kamal decides by shape: a map with `clear`, `secret` or `tags` is the sectioned form,
// anything else is a map of clear values. A zod union would guess (and report "unknown key"
// for `A: {x: 1}`), so the shape picks the schema and its issues are reported as they are.
function envSchema<T extends z.ZodType>(sections: T) {
  return z
    .record(z.string(), z.unknown(), { error: 'expected a map of values, or clear/secret' })
    .transform((env, ctx): z.output<T> | Record<string, string> => {
      const sectioned = 'clear' in env || 'secret' in env || 'tags' in env
      const parsed = (sectioned ? sections : EnvMap).safeParse(env)
      if (parsed.success) return parsed.data as z.output<T> | Record<string, string>
      for (const issue of parsed.error.issues) ctx.issues.push({ ...issue, input: env } as never)
      return z.NEVER
    })
}

/** An env without tags (tag envs): a bare map of clear values, or clear/secret. */
const EnvNoTags = envSchema(z.strictObject(EnvSections))

/** The sectioned env (with tags), for documentation and JSON schema. */
const EnvSectioned = z.strictObject({
  ...EnvSections,
  tags: z
    .record(z.string(), EnvNoTags)
    .optional()
    .describe('Tag name → env for hosts carrying that tag (root env only); later tags win'),
})

/** `env:` as written: a bare map (all clear), or `clear:` / `secret:` / `tags:` (tags only at the root). */
export const Env = envSchema(EnvSectioned).describe(
  'Environment: a map of clear values, or `clear:` / `secret:` / `tags:`',
)
