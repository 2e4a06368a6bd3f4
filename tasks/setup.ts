import { main } from '../lib/main.ts'
import { setup } from '../cli/setup.ts'

await main(setup)
