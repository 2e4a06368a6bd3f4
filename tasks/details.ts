import { main } from '../lib/main.ts'
import { details } from '../cli/details.ts'

await main(details)
