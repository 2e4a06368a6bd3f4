import { main } from '../lib/main.ts'
import { prune } from '../cli/prune.ts'

await main(prune)
