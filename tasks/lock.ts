import { main } from '../lib/main.ts'
import { lock } from '../cli/lock.ts'

await main(lock)
