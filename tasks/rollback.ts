import { main } from '../lib/main.ts'
import { rollback } from '../cli/rollback.ts'

await main(rollback)
