import { main } from '../lib/main.ts'
import { config } from '../cli/config.ts'

await main(config)
