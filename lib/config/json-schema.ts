import { z } from 'zod'
import { DeployYml } from './schema.ts'

/** deploy.yml as a JSON Schema (input side), for editors: `npx tsx lib/config/json-schema.ts > deploy.schema.json`. */
export function deployJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(DeployYml, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>
  // Root `x-*` keys hold YAML anchors and are allowed, as in Kamal.
  return { ...schema, patternProperties: { '^x-': {} } }
}

if (import.meta.url === `file://${process.argv[1]}`)
  process.stdout.write(`${JSON.stringify(deployJsonSchema(), null, 2)}\n`)
