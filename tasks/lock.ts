import { main } from '../lib/main.ts'
import { lockEntry, lockSteps } from './steps/lock-commands.ts'

await main(lockSteps, lockEntry)
