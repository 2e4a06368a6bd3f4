import { main } from '../lib/main.ts'
import { audit } from '../cli/audit.ts'

await main(audit)
