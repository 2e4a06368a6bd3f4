import { main } from '../lib/main.ts'
import { version } from '../cli/version.ts'

await main(version)
