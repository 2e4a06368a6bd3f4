import { z } from 'zod'

// Building blocks shared by the deploy.yml schemas. Kamal's validator accepts numbers and
// booleans wherever a string is expected ("stringish"), so an unmodified Kamal config with
// `port: 3306` or `RAILS_LOG_TO_STDOUT: true` loads; values become strings after parsing.

/** A string, or a number/boolean written where a string was meant (Kamal's "stringish"). */
export const Stringish = z
  .union([z.string(), z.number(), z.boolean()], { error: 'expected a string' })
  .transform((v) => String(v))

/** A whole number, also written as a string (`host_port: "8080"`). */
export const Int = z
  .union([z.number().int(), z.string().regex(/^\d+$/)], { error: 'expected a whole number' })
  .transform((v) => Number(v))

/** A map of names to stringish values (labels, clear env, build args, log options). */
export const StringMap = z.record(z.string(), Stringish)

/** `docker run` options: `--key value`; `true` is a bare flag; arrays repeat the flag. */
export const DockerOptions = z
  .record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.array(z.union([z.string(), z.number()]))]))
  .describe('Extra `docker run` options: `key: value` → `--key value`; `true` → bare `--key`; a list repeats the flag')

/** One host entry: `1.1.1.1`, `1.1.1.1: tag` or `1.1.1.1: [tag1, tag2]`. */
export const HostEntry = z.union([
  z.string().min(1),
  z.record(z.string(), z.union([z.string(), z.array(z.string())], { error: 'expected a tag or a list of tags' })),
])

/** A list of host entries (tags allowed). */
export const HostList = z
  .array(HostEntry)
  .describe('Hosts: `- 1.1.1.1`, or with tags `- 1.1.1.2: tag` / `- 1.1.1.3: [tag1, tag2]`')

const NotEnvSection = z.string().refine((k) => k !== 'clear' && k !== 'secret' && k !== 'tags', 'reserved env key')

const EnvSections = {
  clear: StringMap.optional().describe('Values passed as `--env KEY=value`'),
  secret: z
    .array(z.string())
    .optional()
    .describe('Names of secrets, read from the environment or `.env` at load time and passed via the env file'),
}

/** An env without tags (tag envs, accessories, traefik): a bare map of clear values, or clear/secret. */
export const EnvNoTags = z.union([z.strictObject(EnvSections), z.record(NotEnvSection, Stringish)])

/** `env:` as written: a bare map (all clear), or `clear:` / `secret:` / `tags:` (tags only at the root). */
export const Env = z
  .union([
    z.strictObject({
      ...EnvSections,
      tags: z
        .record(z.string(), EnvNoTags)
        .optional()
        .describe('Tag name → env for hosts carrying that tag (root env only); later tags win'),
    }),
    z.record(NotEnvSection, Stringish),
  ])
  .describe('Environment: a map of clear values, or `clear:` / `secret:` / `tags:`')
