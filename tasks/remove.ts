import { main } from '../lib/main.ts'
import { remove } from '../cli/remove.ts'

await main(remove)
