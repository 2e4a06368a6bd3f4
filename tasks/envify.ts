import { main } from '../lib/main.ts'
import { envify } from '../cli/envify.ts'

await main(envify)
