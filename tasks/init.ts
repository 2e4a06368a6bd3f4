import { main } from '../lib/main.ts'
import { init } from '../cli/init.ts'

await main(init)
