import { main } from '../lib/main.ts'
import { env } from '../cli/env.ts'

await main(env)
