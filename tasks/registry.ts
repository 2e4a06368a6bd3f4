import { main } from '../lib/main.ts'
import { registry } from '../cli/registry.ts'

await main(registry)
